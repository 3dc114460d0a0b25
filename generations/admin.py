from django.contrib import admin

from generations.models import (
    Asset,
    ConsentRecord,
    GalleryItem,
    GalleryLike,
    Generation,
    IdempotencyRecord,
    ReviewItem,
    TeamCallbackSecret,
    WebhookDelivery,
    WebhookEndpoint,
)


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    readonly_fields = ["role", "file", "content_type", "size_bytes", "sha256", "width", "height", "duration_s", "quarantined"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    """Read-only: a generation moves only through `do_*` actions (compare-and-set, credits, audit). An edit
    here of its status would skip the credit ledger and the audit trail."""

    list_display = ["public_id", "team", "created_by", "kind", "model_name", "status", "stage", "progress", "created_at"]
    list_filter = ["status", "stage", "kind", "model_name", "team"]
    search_fields = ["public_id", "prompt", "provider_task_id", "created_by__email"]
    readonly_fields = [field.name for field in Generation._meta.fields]
    inlines = [AssetInline]

    def has_add_permission(self, request):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    """Read-only: releasing a quarantined clip is a moderator's audited review decision, not an admin edit."""

    list_display = ["public_id", "generation", "role", "content_type", "size_bytes", "quarantined", "created_at"]
    list_filter = ["role", "quarantined"]
    readonly_fields = [field.name for field in Asset._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """Decisions are made in the moderation dashboard (leases, audit); the admin only shows them."""

    list_display = ["public_id", "kind", "stage", "priority", "escalated", "decision", "claimed_by", "sla_due_at", "created_at"]
    list_filter = ["kind", "stage", "priority", "decision", "escalated"]
    readonly_fields = [field.name for field in ReviewItem._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "team", "events", "is_active", "created_at"]
    list_filter = ["is_active", "team"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "event_type", "url", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "key", "status_code"]
    readonly_fields = [field.name for field in IdempotencyRecord._meta.fields]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Recorded and revoked in the portal (audited); the admin only shows them."""

    list_display = ["subject_name", "team", "created_by", "created_at", "revoked_at"]
    list_filter = ["team"]
    search_fields = ["subject_name", "statement", "created_by__email"]
    readonly_fields = ["public_id", "team", "subject_name", "statement", "created_by", "created_at", "revoked_at", "revoked_by"]


@admin.register(GalleryItem)
class GalleryItemAdmin(admin.ModelAdmin):
    list_display = ["generation", "team", "shared_by", "status", "like_count", "shared_at"]
    list_filter = ["status", "team"]
    search_fields = ["caption", "generation__prompt", "shared_by__email"]
    readonly_fields = ["public_id", "generation", "team", "shared_by", "recheck_result", "like_count", "shared_at", "removed_at"]


@admin.register(GalleryLike)
class GalleryLikeAdmin(admin.ModelAdmin):
    list_display = ["item", "user", "created_at"]


@admin.register(TeamCallbackSecret)
class TeamCallbackSecretAdmin(admin.ModelAdmin):
    """Which teams have a callback signing secret. The secret itself is never shown here."""

    list_display = ["team", "created_at"]
    fields = ["team", "created_at"]
    readonly_fields = ["team", "created_at"]

    def has_add_permission(self, request):
        return False
