from django.contrib import admin

from .models import Asset, Generation


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    readonly_fields = ["role", "file", "content_type", "size_bytes", "sha256", "width", "height", "duration_s", "quarantined"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "team", "created_by", "kind", "model_name", "status", "stage", "progress", "created_at"]
    list_filter = ["status", "stage", "kind", "model_name", "team"]
    search_fields = ["public_id", "prompt", "provider_task_id", "created_by__email"]
    readonly_fields = ["public_id", "callback_token", "provider_task_id", "created_at", "updated_at"]
    inlines = [AssetInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["public_id", "generation", "role", "content_type", "size_bytes", "quarantined", "created_at"]
    list_filter = ["role", "quarantined"]
