from django.contrib import admin
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.admin import ReadOnlyAdmin
from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType
from generations.models import (
    Asset,
    AssetFingerprint,
    ChildSafetyReport,
    ConsentRecord,
    Element,
    ElementImage,
    ExposureDay,
    GalleryItem,
    GalleryLike,
    Generation,
    HashBank,
    HashBankEntry,
    IdempotencyRecord,
    PolicyVersion,
    QACounter,
    QAReview,
    ReviewItem,
    ReviewQueue,
    RoutingRule,
    SavedQueueView,
    SelectionSession,
    TakedownRequest,
    TeamCallbackSecret,
    WebhookDelivery,
    WebhookEndpoint,
    WellnessPreferences,
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


def _record_bank_event(event_type, bank, *, user, via, request, **extra):
    """A bank change made here, in the audit trail with the fields `generations.actions.hashbanks` records
    (the admin is core and does not import actions)."""
    record_audit_event(
        event_type, actor=Actor(user=user), team=bank.team if bank.team_id else None, target=bank, request=request,
        extra={"bank": bank.name, "bank_id": bank.pk, "category": bank.category, "action": bank.action,
               "threshold": bank.distance_threshold, "active": bank.active,
               "team": bank.team.slug if bank.team_id else None, "via": via, **extra},
    )


class HashBankEntryInline(admin.TabularInline):
    model = HashBankEntry
    extra = 0
    fields = ["media_kind", "pdq_hash", "quality", "note", "source_generation", "added_by", "created_at"]
    readonly_fields = ["media_kind", "pdq_hash", "quality", "source_generation", "added_by", "created_at"]
    show_change_link = True
    max_num = 0  # entries are added with `manage.py hashbank add/import`, which hash the media

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at")


@admin.register(HashBank)
class HashBankAdmin(admin.ModelAdmin):
    """Banks of known violating media (see generations.actions.hashbanks). Editing a bank's action,
    threshold or active flag takes effect in every process at its next lookup."""

    list_display = ["name", "category", "action", "team", "distance_threshold", "active", "updated_at"]
    list_filter = ["category", "action", "active"]
    search_fields = ["name"]
    readonly_fields = ["revision", "created_by", "created_at", "updated_at"]
    inlines = [HashBankEntryInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            _record_bank_event(
                AuditEventType.HASH_BANK_CHANGED if change else AuditEventType.HASH_BANK_CREATED, obj, user=request.user,
                via="admin", request=request, **({"changed": list(form.changed_data)} if change else {}),
            )

    def save_formset(self, request, form, formset, change):
        # Entries deleted from the bank's page (the inline's delete boxes) are bank changes too.
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            deleted = getattr(formset, "deleted_objects", [])
            if deleted:
                _record_bank_event(AuditEventType.HASH_BANK_ENTRY_DELETED, form.instance, user=request.user,
                                            via="admin", request=request, entries=[entry.pk for entry in deleted],
                                            pdq_hashes=[entry.pdq_hash for entry in deleted])

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_bank_event(AuditEventType.HASH_BANK_DELETED, obj, user=request.user, via="admin",
                                        request=request, entries=obj.entries.count())
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for bank in queryset:
                _record_bank_event(AuditEventType.HASH_BANK_DELETED, bank, user=request.user, via="admin",
                                            request=request, entries=bank.entries.count())
            super().delete_queryset(request, queryset)


@admin.register(HashBankEntry)
class HashBankEntryAdmin(admin.ModelAdmin):
    """The hashes are computed from the media and never typed in: only the note is editable."""

    list_display = ["pdq_hash", "bank", "media_kind", "quality", "note", "source_generation", "created_at"]
    list_filter = ["bank", "media_kind"]
    search_fields = ["pdq_hash", "note"]
    readonly_fields = ["bank", "media_kind", "pdq_hash", "hashes", "frame_times", "quality", "source_generation", "added_by",
                       "created_at"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_bank_event(AuditEventType.HASH_BANK_ENTRY_DELETED, obj.bank, user=request.user, via="admin",
                                        request=request, entries=[obj.pk], pdq_hashes=[obj.pdq_hash])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        bank_ids = set(queryset.values_list("bank_id", flat=True))
        with transaction.atomic():
            for bank in HashBank.objects.filter(pk__in=bank_ids):
                rows = list(queryset.filter(bank=bank).values_list("pk", "pdq_hash"))
                _record_bank_event(AuditEventType.HASH_BANK_ENTRY_DELETED, bank, user=request.user, via="admin",
                                            request=request, entries=[pk for pk, _ in rows],
                                            pdq_hashes=[value for _, value in rows])
            super().delete_queryset(request, queryset)
        # A bulk delete skips the model's delete(): bump the banks so every matcher reloads.
        HashBank.objects.filter(pk__in=bank_ids).update(revision=F("revision") + 1, updated_at=timezone.now())


@admin.register(TakedownRequest)
class TakedownRequestAdmin(ReadOnlyAdmin):
    """Decided in the moderators' takedown queue (audited, with the requester told), not here."""

    list_display = ["public_id", "status", "relationship", "generation", "sla_due_at", "decided_by", "created_at"]
    list_filter = ["status", "relationship"]
    search_fields = ["requester_email", "requester_name", "content_reference"]


@admin.register(SelectionSession)
class SelectionSessionAdmin(ReadOnlyAdmin):
    """multi-elements selection sessions of the Kling door: the clip, its marks and when the session expires."""

    list_display = ["public_id", "team", "clip", "total_frames", "created_at", "expires_at"]
    list_filter = ["expires_at"]


@admin.register(AssetFingerprint)
class AssetFingerprintAdmin(ReadOnlyAdmin):
    """PDQ hashes of stored media, computed once for copy searches."""

    list_display = ["asset", "media_kind", "computed_at"]
    list_filter = ["media_kind"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Publishing a version: decisions record the newest one in force, and /policy/ lists them all. Once in
    force its version and date are fixed (decisions name it); wording can still be corrected."""

    list_display = ["version", "effective_from", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    search_fields = ["version", "summary", "changelog"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["version", "effective_from"] if obj is not None and obj.effective_from <= timezone.now() else []
        return [*self.readonly_fields, *fixed]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# The moderation workbench's own records change only through its pages (audited): read-only here.


@admin.register(QAReview)
class QAReviewAdmin(ReadOnlyAdmin):
    list_display = ["review_item", "first_decision", "first_moderator", "second_decision", "second_moderator", "agreed",
                    "resolution", "created_at"]
    list_filter = ["agreed", "resolution", "category", "policy_version"]


@admin.register(QACounter)
class QACounterAdmin(ReadOnlyAdmin):
    list_display = ["id", "decisions"]


@admin.register(ChildSafetyReport)
class ChildSafetyReportAdmin(ReadOnlyAdmin):
    """The draft itself is read on /moderation/child-safety/ (downloads audited), not here."""

    list_display = ["public_id", "status", "reported_user", "team", "preservation_hold_until", "created_at"]
    list_filter = ["status"]
    exclude = ["draft"]


@admin.register(WellnessPreferences)
class WellnessPreferencesAdmin(ReadOnlyAdmin):
    list_display = ["user", "is_org", "updated_at"]


@admin.register(ExposureDay)
class ExposureDayAdmin(ReadOnlyAdmin):
    list_display = ["user", "day", "seconds"]
    list_filter = ["day"]


@admin.register(ReviewQueue)
class ReviewQueueAdmin(ReadOnlyAdmin):
    """Queues and routing rules are managed by leads on /moderation/queues/ (audited)."""

    list_display = ["name", "slug", "restricted_to_role"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ["order", "queue"]


@admin.register(SavedQueueView)
class SavedQueueViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "user"]


class ElementImageInline(admin.TabularInline):
    model = ElementImage
    extra = 0
    can_delete = False
    readonly_fields = ["position", "file", "content_type", "size_bytes", "sha256", "width", "height"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin):
    """Teams' elements (saved subjects for omni-video and omni-image), read-only: a held one (status processing) is
    decided by a moderator on the moderation pages (do_decide_element, audited), never by an edit here."""

    list_display = ["element_id", "name", "team", "created_by", "reference_type", "status", "created_at", "deleted_at"]
    list_filter = ["status", "reference_type", "team"]
    search_fields = ["element_id", "name", "description", "client_reference", "created_by__email"]
    inlines = [ElementImageInline]


@admin.register(ElementImage)
class ElementImageAdmin(ReadOnlyAdmin):
    """The reference images of elements (position 0 the frontal one)."""

    list_display = ["element", "position", "content_type", "width", "height", "size_bytes"]
