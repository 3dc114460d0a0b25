import base64
import secrets
import time
import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from accounts.models import ApiKey, Team
from generations.catalog import EFFECT_LABELS, ELEMENT_ID_RANGE, KIND_LABELS, LINEAGE_LABELS
from generations.states import TERMINAL, Stage, Status
from generations.storage import withheld_name


class CreditState(models.TextChoices):
    NONE = "none", "No credits held"
    RESERVED = "reserved", "Reserved"
    CAPTURED = "captured", "Charged"
    RELEASED = "released", "Released"


def _callback_token():
    return secrets.token_urlsafe(24)


class Generation(models.Model):
    """One request for a clip, from submission to a terminal state. The database row is the truth;
    queue jobs only drive it forward."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="generations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="generations")

    # What was asked for.
    kind = models.CharField(max_length=32, default="text2video")  # images/multi-image2image is 24
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    model_name = models.CharField(max_length=40)
    mode = models.CharField(max_length=8, default="std")
    duration = models.CharField(max_length=4, default="5", help_text="Seconds, as the upstream wants it: a string.")
    aspect_ratio = models.CharField(max_length=8, default="16:9")
    cfg_scale = models.FloatField(null=True, blank=True)
    camera_control = models.JSONField(null=True, blank=True)
    # Kind-specific inputs that are not columns: the effect scene; lip-sync's text, voice and mode; the
    # consent record a face input relies on.
    options = models.JSONField(default=dict, blank=True)
    # What this one was made from: the clip it extends or lip-syncs, or the gallery item it remixes.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    # The caller's own id for it (Kling's external_task_id), unique within the team.
    client_reference = models.CharField(max_length=64, blank=True)
    # Where to POST status changes (native JSON or the Kling callback shape), if the caller asked.
    callback_url = models.URLField(max_length=500, blank=True)
    callback_format = models.CharField(max_length=10, default="native", choices=[("native", "Native"), ("kling", "Kling")])

    # What the automated moderation decided, as recorded (engine, version, scores, spans, frames).
    screening_result = models.JSONField(null=True, blank=True)
    scan_result = models.JSONField(null=True, blank=True)
    # How the delivered clip was marked: C2PA credentials, watermark, visible label (generations.provenance).
    provenance = models.JSONField(null=True, blank=True)
    # The keyed 32-bit digest its invisible watermark carries (hex), to find it again from a clip.
    watermark_digest = models.CharField(max_length=8, blank=True, db_index=True)

    # Where it is.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATED)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PROMPT)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    # Credits: reserved at submit, then captured or released exactly once when the generation ends.
    price_credits = models.PositiveIntegerField(default=0)
    credit_state = models.CharField(max_length=10, choices=CreditState.choices, default=CreditState.NONE)
    # Whether this generation counts against its team's concurrent-generation limit. Only one that may reach
    # the upstream does: a held one holds no slot, and one a moderator released takes a slot in the worker.
    holds_slot = models.BooleanField(default=False)
    # When one a moderator released took its slot in the worker; its deadline counts from here (for the
    # others, from their creation, when they took their slot at submit).
    slot_taken_at = models.DateTimeField(null=True, blank=True)

    # The upstream side.
    provider = models.CharField(max_length=20, blank=True)
    provider_task_id = models.CharField(max_length=64, blank=True, db_index=True)
    provider_status = models.CharField(max_length=20, blank=True)
    # The upstream's id of the finished video (task_result.videos[0].id): what video-extend and lip-sync name.
    provider_video_id = models.CharField(max_length=64, blank=True)
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    poll_rounds = models.PositiveIntegerField(default=0)
    # The secret in the per-generation URL the upstream calls back on.
    callback_token = models.CharField(max_length=64, default=_callback_token, editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # When it joined the queue to run: at submit, or when a moderator released it (not reset by retries).
    queued_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    render_finished_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When housekeeping deleted media of this generation under the retention policy (see actions.retention).
    media_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # History pages and API lists walk these newest-first, by id (keyset pagination).
            models.Index(fields=["team", "-id"], name="gen_team_newest"),
            models.Index(fields=["created_by", "-id"], name="gen_user_newest"),
            models.Index(fields=["status", "updated_at"], name="gen_status_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "client_reference"], condition=~models.Q(client_reference=""), name="unique_client_reference"
            )
        ]

    def __str__(self):
        return f"{self.public_id} ({self.status})"

    @property
    def is_terminal(self):
        return self.status in TERMINAL

    @property
    def duration_seconds(self):
        return int(self.duration or 0)  # an image generation has no duration

    @property
    def lineage_label(self):
        """How this generation relates to its parent, in words: "Extended from", "Lip-synced from", …"""
        return LINEAGE_LABELS.get(self.kind, "Remixed from")

    @property
    def kind_label(self):
        """The kind in words ("Image → video"), with the effect's name for effects ("Effect: Squish")."""
        label = KIND_LABELS.get(self.kind, self.kind)
        scene = (self.options or {}).get("effect_scene", "")
        return f"{label}: {EFFECT_LABELS.get(scene, scene)}" if scene else label

    def asset(self, role):
        return next((a for a in self.assets.all() if a.role == role), None)


class AssetRole(models.TextChoices):
    INPUT_IMAGE = "input_image", "Input image"
    INPUT_IMAGE_TAIL = "input_image_tail", "Input end frame"
    # Further reference images: multi-image→video (up to 4) and two-person effects.
    INPUT_IMAGE_2 = "input_image_2", "Second input image"
    INPUT_IMAGE_3 = "input_image_3", "Third input image"
    INPUT_IMAGE_4 = "input_image_4", "Fourth input image"
    # omni-video takes up to 7 images.
    INPUT_IMAGE_5 = "input_image_5", "Fifth input image"
    INPUT_IMAGE_6 = "input_image_6", "Sixth input image"
    INPUT_IMAGE_7 = "input_image_7", "Seventh input image"
    INPUT_AUDIO = "input_audio", "Input audio"
    VIDEO = "video", "Video"
    POSTER = "poster", "Poster frame"
    # An image generation's n outputs (Kling's task_result.images, index 0 → image_1); its poster is the first.
    IMAGE_1 = "image_1", "Image 1"
    IMAGE_2 = "image_2", "Image 2"
    IMAGE_3 = "image_3", "Image 3"
    IMAGE_4 = "image_4", "Image 4"
    IMAGE_5 = "image_5", "Image 5"
    IMAGE_6 = "image_6", "Image 6"
    IMAGE_7 = "image_7", "Image 7"
    IMAGE_8 = "image_8", "Image 8"
    IMAGE_9 = "image_9", "Image 9"
    # A sound kind's audio (MP3): text-to-audio's only output; video-to-audio's soundtrack alone, beside its clip.
    AUDIO = "audio", "Audio"
    # For reviewers of a withheld output: never served to users.
    BLURRED_POSTER = "blurred_poster", "Blurred poster"
    EVIDENCE = "evidence", "Blurred deciding frames"


OUTPUT_IMAGE_ROLES = tuple(AssetRole(f"image_{number}") for number in range(1, 10))
# What a generation delivers (a clip and its poster, or an image generation's stills and poster): released,
# withheld and kept together.
DELIVERED_ROLES = (AssetRole.VIDEO, AssetRole.POSTER, *OUTPUT_IMAGE_ROLES)
DELIVERED_ROLES = (*DELIVERED_ROLES, AssetRole.AUDIO)  # a sound kind's audio, released and withheld with the rest


def asset_upload_path(asset, filename):
    """teams/<team>/generations/<generation>/<role>-<file>; withheld media (quarantined, or evidence for
    reviewers) under the quarantine prefix, which the studio never presigns."""
    generation = asset.generation
    name = f"teams/{generation.team_id}/generations/{generation.public_id}/{asset.role}-{filename}"
    return withheld_name(name) if asset.quarantined or asset.role == AssetRole.EVIDENCE else name


class Asset(models.Model):
    """A stored file belonging to a generation, with what we verified about it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="assets")
    role = models.CharField(max_length=20, choices=AssetRole.choices)
    file = models.FileField(upload_to=asset_upload_path, max_length=300)
    content_type = models.CharField(max_length=60)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    # Withheld from users (failed its scan); only reviewers see blurred evidence.
    quarantined = models.BooleanField(default=False)
    # What an input file says about its origin (content credentials, this studio's watermark), as checked.
    provenance = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "role"], name="one_asset_per_role")]

    def __str__(self):
        return f"{self.role} of {self.generation.public_id}"


def _webhook_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


WEBHOOK_EVENTS = ("generation.succeeded", "generation.failed", "generation.blocked", "generation.held")


class WebhookEndpoint(models.Model):
    """A team's URL that receives generation events, signed per Standard Webhooks with its own secret."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types to send; empty means all.")
    # Needed in clear to sign; shown to the team once, when the endpoint is created.
    secret = models.CharField(max_length=80, default=_webhook_secret, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.url

    def wants(self, event_type):
        return self.is_active and (not self.events or event_type in self.events)


class TeamCallbackSecret(models.Model):
    """The secret that signs per-generation `callback_url` deliveries of a team (created on first use)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="callback_secret")
    secret = models.CharField(max_length=80, default=_webhook_secret)
    created_at = models.DateTimeField(default=timezone.now)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"
    # The endpoint was stopped (or removed) while the delivery waited: never sent again.
    CANCELED = "canceled", "Canceled"


class WebhookDelivery(models.Model):
    """One event to one URL, with every attempt's outcome. Retried with backoff until it lands or the
    schedule (over a day) runs out."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    generation = models.ForeignKey(Generation, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=500)
    event_type = models.CharField(max_length=40)
    payload_format = models.CharField(max_length=10, default="native")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The first bytes of the receiver's last answer, for the delivery log (the rest is never read).
    last_response_excerpt = models.CharField(max_length=2048, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} → {self.url} ({self.status})"

    @property
    def error_detail(self):
        """What went wrong beyond the status code: empty when the code says it all (rows written before the
        worker stopped storing "HTTP 500" here too said it twice)."""
        if self.last_status_code is not None and self.last_error == f"HTTP {self.last_status_code}":
            return ""
        return self.last_error


class IdempotencyRecord(models.Model):
    """The first response to a create sent with an `Idempotency-Key`, replayed for 24 hours."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "key"], name="unique_idempotency_key")]


class ReviewKind(models.TextChoices):
    HELD = "held", "Held generation"
    APPEAL = "appeal", "Appeal of a block"
    REPORT = "report", "Reported gallery item"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Denied automatically (SLA passed)"
    # Its author withdrew the held generation before anyone decided: nothing left to decide.
    WITHDRAWN = "withdrawn", "Withdrawn by its author"


class ReviewQueue(models.Model):
    """A named queue review items are routed into. One restricted to a role is seen only by that role (the
    built-in child-safety queue: by child-safety moderators alone, see `accounts.roles`)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    restricted_to_role = models.CharField(max_length=16, blank=True, help_text="Empty: every moderator sees it.")
    sla_hours = models.FloatField(null=True, blank=True, help_text="Overrides the SLA by priority for items routed here.")
    builtin = models.BooleanField(default=False, help_text="Made by the migration; cannot be deleted.")
    is_default = models.BooleanField(default=False, help_text="Where items no rule matches go.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "name"]

    def __str__(self):
        return self.name


class RoutingRule(models.Model):
    """One ordered rule: an item matching every condition set (empty ones match anything) goes to `queue`.
    The lowest `order` that matches wins."""

    order = models.PositiveIntegerField(default=100)
    queue = models.ForeignKey(ReviewQueue, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=10, blank=True)
    stage = models.CharField(max_length=12, blank=True)
    category = models.CharField(max_length=20, blank=True, help_text="Matches when this category's score reaches min_severity.")
    min_severity = models.FloatField(default=0.0, help_text="With a category: its score; without: the item's severity.")
    language = models.CharField(max_length=12, blank=True, help_text="The prompt's detected language, when screening records one.")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    builtin = models.BooleanField(default=False, help_text="Made by the migration; cannot be changed or deleted.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return f"#{self.order} → {self.queue.name}"


class SavedQueueView(models.Model):
    """A moderator's named queue view: the queue, filters and sort as a query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_views")
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_name_per_user")]

    def __str__(self):
        return self.name


class ReviewItem(models.Model):
    """One thing waiting for a human: a held generation (prompt, input or output) or an appeal.

    Claims are time-limited leases; decisions are compare-and-set on `version`, so two moderators can
    never both decide an item.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="review_items")
    kind = models.CharField(max_length=10, choices=ReviewKind.choices)
    stage = models.CharField(max_length=12)
    categories = models.JSONField(default=dict, blank=True)
    severity = models.FloatField(default=0.0)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 (low) to 3 (urgent)")
    message = models.TextField(blank=True, help_text="The user's appeal or report, in their words.")
    # For a held generation: what its author tells the moderator (screened like a caption), and when.
    author_context = models.TextField(blank=True)
    author_context_at = models.DateTimeField(null=True, blank=True)
    # For reports: who reported it (the reporter is never shown to the author).
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sla_due_at = models.DateTimeField()
    # Where routing put it when it was opened (see `generations.actions.review_queue.route`); it stays there.
    queue = models.ForeignKey(ReviewQueue, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    escalated = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["decision", "priority", "created_at"], name="review_queue")]
        constraints = [
            models.UniqueConstraint(fields=["generation"], condition=models.Q(kind="appeal"), name="one_appeal_per_generation"),
            # One open report per reporter per item: a second click adds nothing.
            models.UniqueConstraint(
                fields=["generation", "reported_by"], condition=models.Q(kind="report", decision=""), name="one_open_report_per_reporter"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.generation.public_id}"

    @property
    def is_open(self):
        return not self.decision


class ConsentRecord(models.Model):
    """A team's attestation that a real person agreed to have their likeness animated.

    Made by the member who uploads the face; every creation and revocation is audited. A generation that
    re-animates someone's face (lip-sync of another member's footage, an intimate two-person effect) names
    one of these, or it waits for a moderator.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="consent_records")
    subject_name = models.CharField(max_length=200, help_text="The person whose likeness this consent covers.")
    statement = models.TextField(help_text="How and when consent was given, in the uploader's words.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"consent of {self.subject_name}"

    @property
    def is_active(self):
        return self.revoked_at is None


class GalleryStatus(models.TextChoices):
    VISIBLE = "visible", "Shared"
    UNSHARED = "unshared", "Withdrawn by the author"
    REMOVED = "removed", "Removed by a moderator"


class GalleryItem(models.Model):
    """A succeeded generation a member shared with their team, for browsing, liking and remixing."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="gallery_items")
    generation = models.OneToOneField(Generation, on_delete=models.CASCADE, related_name="gallery_item")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=GalleryStatus.choices, default=GalleryStatus.VISIBLE)
    like_count = models.PositiveIntegerField(default=0)
    # What the policy re-check said when it was shared (screening of the prompt, scan of the clip).
    recheck_result = models.JSONField(default=dict, blank=True)
    shared_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "status", "-id"], name="gallery_team_newest")]

    def __str__(self):
        return f"gallery: {self.generation.public_id}"


class GalleryLike(models.Model):
    item = models.ForeignKey(GalleryItem, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="one_like_per_member")]


class HashBankAction(models.TextChoices):
    BLOCK = "block", "Block (and a strike)"
    HOLD = "hold", "Hold for a moderator"
    REPORT = "report", "Let it through, and open a review item"


# The studio's harm categories (generations.moderation.text.policy.CATEGORIES without `injection`, which is
# about prompts, not media); spelled out here because the core does not import the moderation library.
HASH_BANK_CATEGORIES = [
    ("sexual", "Sexual"),
    ("sexual_minors", "Sexual content involving minors"),
    ("violence", "Violence"),
    ("self_harm", "Self-harm"),
    ("deepfake", "Deepfake / non-consensual likeness"),
    ("illegal", "Illegal"),
    ("political", "Political"),
]


class HashBank(models.Model):
    """A bank of perceptual hashes of known violating content, for one harm: inputs and outputs that match
    one of its entries within `distance_threshold` get its action. Operator-wide, or one team's."""

    name = models.SlugField(max_length=80, unique=True)
    category = models.CharField(max_length=20, choices=HASH_BANK_CATEGORIES)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="hash_banks",
                             help_text="Empty: the bank applies to every team.")
    action = models.CharField(max_length=10, choices=HashBankAction.choices, default=HashBankAction.BLOCK)
    distance_threshold = models.PositiveSmallIntegerField(
        default=31, help_text="PDQ Hamming distance at or below which a hash matches (0–31; 31 is PDQ's confident match)."
    )
    active = models.BooleanField(default=True)
    # Bumped whenever the bank or one of its entries changes: the matchers in every process reload on it.
    revision = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(distance_threshold__lte=31), name="hash_bank_threshold_max_31")]

    def __str__(self):
        return self.name


class HashMediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class HashBankEntry(models.Model):
    """One banked image (its PDQ hash and those of its rotations, flips and crops) or clip (the distinct
    PDQ hashes of all its frames, with their times)."""

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="entries")
    media_kind = models.CharField(max_length=5, choices=HashMediaKind.choices, default=HashMediaKind.IMAGE)
    pdq_hash = models.CharField(max_length=64, db_index=True, help_text="The image's PDQ hash, or a clip's first frame's.")
    # Image: its eight dihedral hashes (original first), then its crops' (hashing.VARIANT_NAMES order).
    # Clip: the distinct hashes of all its frames, in time order.
    hashes = models.JSONField(default=list)
    # Clip: the time (s) of each of `hashes`; its vPDQ match counts the seconds of the clip it covers.
    frame_times = models.JSONField(default=list, blank=True)
    quality = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    source_generation = models.ForeignKey(Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "hash bank entries"

    def __str__(self):
        return f"{self.bank.name}: {self.media_kind} {self.pdq_hash[:12]}…"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        HashBank.objects.filter(pk=self.bank_id).update(revision=models.F("revision") + 1, updated_at=timezone.now())

    def delete(self, *args, **kwargs):
        bank_id = self.bank_id
        result = super().delete(*args, **kwargs)
        HashBank.objects.filter(pk=bank_id).update(revision=models.F("revision") + 1, updated_at=timezone.now())
        return result


class AssetFingerprint(models.Model):
    """An asset's PDQ hashes, computed once when a ban first looks for copies of something (an image: its
    own hash; a clip: its frames at 1 fps), so later sweeps across every team need not decode it again."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="fingerprint")
    media_kind = models.CharField(max_length=5, choices=HashMediaKind.choices)
    # Image: [its hash] (empty when too flat to trust). Clip: the hash of each sampled frame, in time order.
    hashes = models.JSONField(default=list)
    frame_times = models.JSONField(default=list, blank=True)
    qualities = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"fingerprint of {self.asset_id}"


class TakedownStatus(models.TextChoices):
    PENDING = "pending", "Waiting for verification"
    VERIFIED = "verified", "Verified: removed with its copies"
    REJECTED = "rejected", "Rejected"


class TakedownRelationship(models.TextChoices):
    SELF = "self", "I am the person depicted"
    AUTHORISED = "authorised", "I am authorised to act for the person depicted"


class TakedownRequest(models.Model):
    """A request, from anyone, to remove non-consensual intimate imagery (real or AI-made) and its copies
    (US TAKE IT DOWN Act: within 48 hours of a valid request). The requester's upload is never kept: only
    its hashes, to find the content and to bank it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester_name = models.CharField(max_length=200)
    requester_email = models.EmailField()
    relationship = models.CharField(max_length=12, choices=TakedownRelationship.choices)
    content_reference = models.CharField(max_length=500, blank=True, help_text="A gallery or generation link, or an id.")
    description = models.TextField(blank=True)
    good_faith = models.BooleanField(default=False)
    signature = models.CharField(max_length=200, help_text="The requester's electronic signature (their typed name).")
    # What the request points at: the generation its reference or upload resolved to, if any.
    generation = models.ForeignKey(Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="takedown_requests")
    # The uploaded copy's hashes ({"media_kind", "hashes", "frame_times"}), never the file.
    upload_hashes = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TakedownStatus.choices, default=TakedownStatus.PENDING)
    sla_due_at = models.DateTimeField()
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the verification removed: {"entries": [...], "copies": [generation ids]}.
    outcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "sla_due_at"], name="takedown_status_due")]

    def __str__(self):
        return f"takedown {self.public_id} ({self.status})"


class PolicyVersion(models.Model):
    """One published version of the content policy. The newest one whose `effective_from` has passed is the
    one in force; every automated and human decision records its `version`, so a decision can be read
    against the rules that applied when it was taken."""

    version = models.CharField(max_length=20, unique=True)
    effective_from = models.DateTimeField()
    summary = models.TextField(help_text="The policy in a few paragraphs: what is blocked, what a person reviews.")
    changelog = models.TextField(blank=True, help_text="What changed from the previous version, plain text.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self):
        return f"policy {self.version}"

    @classmethod
    def in_force(cls, at=None):
        """The version in force at `at` (default now), or None before the first one."""
        return cls.objects.filter(effective_from__lte=at or timezone.now()).order_by("-effective_from", "-id").first()


# Every create records the policy in force, so the (short) list of versions is read once per
# POLICY_VERSION_CACHE_S per process, not once per request. Saving or deleting a version here clears it at
# once and again on commit; other processes see a version that takes effect immediately within that many
# seconds (one published ahead of its `effective_from`, the usual way, is exact everywhere).
_policy_versions = {"rows": None, "read_at": 0.0}


def _versions_newest_first():
    cached = _policy_versions["rows"]
    if cached is None or time.monotonic() - _policy_versions["read_at"] > settings.POLICY_VERSION_CACHE_S:
        cached = list(PolicyVersion.objects.order_by("-effective_from", "-id").values_list("effective_from", "version"))
        _policy_versions.update(rows=cached, read_at=time.monotonic())
    return cached


def forget_policy_versions(**kwargs):
    """Drop this process's copy of the version list (a receiver of PolicyVersion's save and delete)."""
    _policy_versions["rows"] = None
    transaction.on_commit(lambda: _policy_versions.update(rows=None))


def current_policy_version(at=None) -> str:
    """The version string of the policy in force at `at` (default now); settings.POLICY_VERSION when no
    version is published."""
    at = at or timezone.now()
    for effective_from, version in _versions_newest_first():
        if effective_from <= at:
            return version
    return settings.POLICY_VERSION


models.signals.post_save.connect(forget_policy_versions, sender=PolicyVersion, dispatch_uid="forget_policy_versions_save")
models.signals.post_delete.connect(forget_policy_versions, sender=PolicyVersion, dispatch_uid="forget_policy_versions_delete")


class QACounter(models.Model):
    """The running count of decisions eligible for quality review (a single row, locked while counting), so
    that the sampling is exact across processes: decision n is sampled when floor(n·share) grows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    decisions = models.PositiveBigIntegerField(default=0)


class QAResolution(models.TextChoices):
    FIRST_STANDS = "first_stands", "The first decision stands"
    SECOND_STANDS = "second_stands", "The second decision stands (first overturned)"


class QAReview(models.Model):
    """A blind second look at a sampled decision: another moderator decides the same item without seeing the
    first decision; where they disagree, a lead says which decision stands. The first decision, its moderator,
    the policy version and the item's top category are copied here when it is sampled, so the figures read the
    decision as it was taken."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review_item = models.OneToOneField(ReviewItem, on_delete=models.CASCADE, related_name="qa_review")
    sequence = models.PositiveBigIntegerField(help_text="Which eligible decision this was (the sampler's count).")
    first_decision = models.CharField(max_length=10, choices=ReviewDecision.choices)
    first_reason = models.TextField(blank=True)
    first_moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    first_decided_at = models.DateTimeField()
    policy_version = models.CharField(max_length=20)
    category = models.CharField(max_length=20, help_text="The item's top category when it was decided.")
    second_moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    second_decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True)
    second_reason = models.TextField(blank=True)
    agreed = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=14, choices=QAResolution.choices, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # What resolving in favour of the second decision changed, in words (or why nothing could be).
    resolution_outcome = models.CharField(max_length=500, blank=True)
    resolution_applied = models.BooleanField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["second_decision", "created_at"], name="qa_open")]

    def __str__(self):
        return f"QA of {self.review_item_id} ({self.second_decision or 'open'})"

    @property
    def overturned(self):
        return self.resolution == QAResolution.SECOND_STANDS


class ChildSafetyStatus(models.TextChoices):
    DRAFT = "draft", "Draft (not filed)"
    FILED = "filed", "Filed externally by a person"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ChildSafetyReport(models.Model):
    """A CyberTipline report draft for confirmed child sexual abuse material, for a registered provider to file
    with NCMEC itself: the studio never sends it. Its evidence (the generation's files) is under a preservation
    hold until `preservation_hold_until`: retention skips it, and deleting the user, their team or the
    generation is refused while this report exists (PROTECT)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.PROTECT, related_name="child_safety_reports")
    review_item = models.ForeignKey(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    draft = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=ChildSafetyStatus.choices, default=ChildSafetyStatus.DRAFT)
    preservation_hold_until = models.DateTimeField(db_index=True)
    external_report_number = models.CharField(max_length=40, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["generation"], name="one_child_safety_report_per_generation")]

    def __str__(self):
        return f"child-safety report {self.public_id} ({self.status})"

    def is_held(self, at=None):
        return self.preservation_hold_until > (at or timezone.now())


class WellnessPreferences(models.Model):
    """How a moderator wants held media shown to them (`user` set), or the organisation's defaults (`is_org`,
    one row, edited by a lead). `defaults` and each value of `overrides` ({harm: …}) are partial settings
    dicts; generations.moderation.wellness resolves the layers."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="wellness_preferences")
    is_org = models.BooleanField(default=False)
    defaults = models.JSONField(default=dict, blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["is_org"], condition=models.Q(is_org=True), name="one_org_wellness_row"),
            models.CheckConstraint(condition=models.Q(is_org=True, user__isnull=True) | models.Q(is_org=False, user__isnull=False),
                                   name="wellness_row_is_org_or_a_users"),
        ]

    def __str__(self):
        return "organisation wellness defaults" if self.is_org else f"wellness preferences of {self.user_id}"


class ExposureDay(models.Model):
    """Seconds one moderator spent looking at graphic review items on one (UTC) day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_exposure_row_per_day")]

    def __str__(self):
        return f"{self.user_id} {self.day}: {self.seconds} s"


class SelectionSession(models.Model):
    """A multi-elements selection session of the Kling door (init-selection): the finished clip of the team it
    was opened on and the points marked on its frames, for 24 hours, as upstream. Its public_id is the
    `session_id` handed out; another team's session is indistinguishable from a missing one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="selection_sessions")
    clip = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="selection_sessions")
    # What init-selection read from the clip (fps, frames, size, duration in ms), so later calls need not.
    fps = models.FloatField()
    total_frames = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField()
    # [{"frame_index": n, "points": [{"x", "y"}, …]}, …], in frame order.
    selection = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["team", "expires_at"])]

    def __str__(self):
        return f"selection session {self.public_id}"


def _new_element_id():
    low, high = ELEMENT_ID_RANGE
    return low + secrets.randbelow(high - low)


class ElementStatus(models.TextChoices):
    """An element's life, in the upstream's task_status words: `processing` while a moderator has not decided,
    `succeed` once it may be used, `failed` when a moderator refused it. (A refusal by the automated screening
    leaves no element at all.)"""

    PROCESSING = "processing", "Waiting for review"
    SUCCEED = "succeed", "Ready"
    FAILED = "failed", "Refused"


class Element(models.Model):
    """A team's saved subject (the upstream's custom element), named in omni-video and omni-image prompts as
    <<<element_N>>>. `element_id` is its public, int64-looking id; `task_id` the id of the task that created it
    (the Kling door's shape). Deleting it sets `deleted_at`: the row and its images stay for the generations that
    used it and for reviewers, but no new generation can name it. Another team's element does not exist."""

    element_id = models.BigIntegerField(unique=True, default=_new_element_id, editable=False)
    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="elements")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The caller's own id for the creation task (Kling's external_task_id), unique within the team.
    client_reference = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    reference_type = models.CharField(max_length=12, default="image_refer")
    # The upstream's tag ids (o_101 … o_108), in the order given.
    tags = models.JSONField(default=list, blank=True)
    # video_refer: the finished clip of the team it was made from.
    clip = models.ForeignKey(Generation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    consent = models.ForeignKey("ConsentRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=ElementStatus.choices, default=ElementStatus.SUCCEED)
    # Why it waits or was refused, in words a user can act on (the task's task_status_msg).
    status_message = models.CharField(max_length=500, blank=True)
    # What the automated moderation found (the prompt screen's record, the images' scan, faces, hash banks).
    screening_result = models.JSONField(null=True, blank=True)
    # The upstream's own id of this element, per provider ({"kling@https://…": "123"}): created there once, on first use.
    upstream_ids = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "deleted_at", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["team", "client_reference"], condition=~models.Q(client_reference=""),
                                    name="one_element_per_external_task_id"),
        ]

    def __str__(self):
        return f"element {self.element_id} ({self.name})"

    @property
    def public_id(self) -> str:
        """What the audit trail and links name it by: its public element_id."""
        return str(self.element_id)

    @property
    def images_withheld(self) -> bool:
        """Whether its reference images are kept from the team: the image scan or a hash bank flagged them (they wait
        for, or failed, a moderator's look), as a flagged input image of a generation is quarantined."""
        result = self.screening_result or {}
        flagged = (result.get("input_scan") or {}).get("verdict") not in (None, "allow")
        banked = (result.get("hash_match") or {}).get("action") in ("block", "hold")
        return (flagged or banked) and self.status != ElementStatus.SUCCEED

    @property
    def is_usable(self) -> bool:
        return self.deleted_at is None and self.status == ElementStatus.SUCCEED


def element_image_path(image, filename):
    """teams/<team>/elements/<task id>/<position>-<file>."""
    return f"teams/{image.element.team_id}/elements/{image.element.task_id}/{image.position}-{filename}"


class ElementImage(models.Model):
    """One reference image of an element: position 0 is the frontal image, 1-3 the others (image_refer)."""

    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=element_image_path, max_length=300)
    content_type = models.CharField(max_length=60)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["element", "position"], name="one_element_image_per_position")]
        ordering = ["position"]

    def __str__(self):
        return f"image {self.position} of element {self.element_id}"
