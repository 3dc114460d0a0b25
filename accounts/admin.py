from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.actions import do_revoke_api_key, do_set_moderation_role, do_set_team_limits
from accounts.audit import Actor
from accounts.errors import AccountError
from accounts.models import (
    ApiKey,
    AuditChainHead,
    AuditEvent,
    CreditEntry,
    Invitation,
    KlingKeyPair,
    Membership,
    ModerationRole,
    Notice,
    Standing,
    StandingEvent,
    Team,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_moderator", "moderation_role", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_moderator", "moderation_role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Capabilities", {"fields": ["is_active", "is_moderator", "moderation_role", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_readonly_fields(self, request, obj=None):
        # Trust-and-safety and admin powers are granted by superusers only, never by other staff.
        if request.user.is_superuser:
            return ["last_login", "date_joined"]
        return ["last_login", "date_joined", "is_moderator", "moderation_role", "is_staff", "is_superuser", "groups",
                "user_permissions"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "moderation_role" in form.base_fields:
            form.base_fields["moderation_role"].required = False  # a form without it leaves the role as it was
        return form

    def save_model(self, request, obj, form, change):
        # A role change goes through its audited action; the rest of the form saves as usual.
        if "moderation_role" in form.changed_data and not obj.moderation_role:
            obj.moderation_role = form.initial.get("moderation_role") or ModerationRole.MODERATOR
        elif change and "moderation_role" in form.changed_data:
            new_role = obj.moderation_role
            obj.moderation_role = form.initial.get("moderation_role")
            super().save_model(request, obj, form, change)
            try:
                do_set_moderation_role(user=obj, role=new_role, acting_user=request.user, request=request)
            except AccountError as error:
                messages.error(request, f"{error.message} ({error.code})")
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Balances are the credit ledger's sums and change only with a ledger row (`team_credits`, submits);
    the limits change through `do_set_team_limits`, audited, when saved here."""

    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]
    readonly_fields = ["credits_available", "credits_reserved", "generations_in_flight", "period_start", "created_at"]
    LIMIT_FIELDS = ("max_concurrent_generations", "monthly_allowance")

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        wanted = {name: form.cleaned_data[name] for name in self.LIMIT_FIELDS if name in form.changed_data}
        stored = Team.objects.get(pk=obj.pk)
        for name in self.LIMIT_FIELDS:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        if wanted:
            try:
                do_set_team_limits(team=obj, acting_user=request.user, request=request, **wanted)
            except AccountError as error:
                messages.error(request, f"{error.message} ({error.code})")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """A key's team, scopes and revocation are fixed here: revoke with the action below (audited, and it ends
    the key's cached authentication everywhere), or in the portal."""

    list_display = ["name", "prefix", "team", "created_by", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["team"]
    search_fields = ["name", "prefix", "created_by__email"]
    readonly_fields = [
        "prefix", "secret_hash", "team", "created_by", "scopes", "expires_at", "revoked_at", "created_at", "last_used_at", "last_used_ip",
    ]
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False  # keys are created, shown once, in the portal or with `create_api_key`

    @admin.action(description="Revoke the selected API keys")
    def revoke_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True).select_related("team"):
            do_revoke_api_key(key=key, actor=Actor(user=request.user), request=request)
        self.message_user(request, "Revoked.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Sent, resent and revoked by team admins in the portal (audited); shown here only."""

    list_display = ["email", "team", "role", "state", "invited_by", "created_at", "expires_at"]
    list_filter = ["state", "team"]
    search_fields = ["email", "team__slug"]
    readonly_fields = [field.name for field in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers are changed only through their actions (audited), never by hand in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only."""

    list_display = ["id", "created_at", "event_type", "actor_label", "team", "target_type", "target_id"]
    list_filter = ["event_type", "actor_kind"]
    search_fields = ["actor_label", "target_id", "request_id"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "team", "kind", "amount", "available_after", "member", "actor_label", "reason"]
    list_filter = ["kind", "team"]
    search_fields = ["generation_ref", "reason", "actor_label"]


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdmin):
    list_display = ["user", "level", "points", "suspended_reason", "updated_at"]
    list_filter = ["level"]
    search_fields = ["user__email"]


@admin.register(StandingEvent)
class StandingEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "category", "source", "points", "decays", "reverted_at", "actor_label"]
    list_filter = ["category", "source"]
    search_fields = ["user__email", "generation_ref"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "subject", "read_at"]
    search_fields = ["user__email", "subject"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "monthly_credit_cap", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__email", "team__slug"]


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    """The head of the audit hash chain: how many events and the last hash. Only audit writes move it."""

    list_display = ["id", "count", "last_hash"]


@admin.register(KlingKeyPair)
class KlingKeyPairAdmin(ReadOnlyAdmin):
    """A pair acts through its API key: revoke that key (above, or in the portal) to end the pair. The
    encrypted secret is never shown."""

    list_display = ["access_key", "team", "created_by", "api_key", "created_at"]
    search_fields = ["access_key", "created_by__email"]
    exclude = ["secret_encrypted"]
