"""People, teams, API keys and the audit ledger: the bottom layer every other app builds on."""

import uuid

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.utils import timezone

from accounts.periods import period_start_for


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class ModerationRole(models.TextChoices):
    """What a trust-and-safety staff member may do (only meaningful with `User.is_moderator`; see
    `accounts.roles`). Child-safety moderators are the only people who see child-safety items."""

    MODERATOR = "moderator", "Moderator"
    CHILD_SAFETY = "child_safety", "Child-safety moderator"
    EXTERNAL = "external", "External moderator (approve/reject only)"
    LEAD = "lead", "Lead (manages queues and routing)"


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can use the Django admin.")
    # Trust-and-safety staff: an installation-wide capability, independent of any team role.
    is_moderator = models.BooleanField(default=False)
    # Which kind of trust-and-safety staff: changed only through `accounts.actions.do_set_moderation_role` (audited).
    moderation_role = models.CharField(max_length=16, choices=ModerationRole.choices, default=ModerationRole.MODERATOR)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.email

    @property
    def display_name(self):
        return self.full_name or self.email


def _current_period_start():
    return period_start_for(timezone.now())


def _default_concurrency():
    return settings.DEFAULT_TEAM_CONCURRENCY


class Team(models.Model):
    """A group that shares credits, limits and API keys. Every generation belongs to one team.

    `credits_available` and `credits_reserved` cache the sums of the team's `CreditEntry` ledger; they
    are changed only together with a ledger row, by conditional updates, so they always equal it.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    credits_available = models.BigIntegerField(default=0)
    credits_reserved = models.BigIntegerField(default=0)
    monthly_allowance = models.PositiveIntegerField(default=0, help_text="Credits the team is topped up to each month.")
    period_start = models.DateTimeField(default=_current_period_start)
    max_concurrent_generations = models.PositiveIntegerField(default=_default_concurrency)
    generations_in_flight = models.PositiveIntegerField(default=0)
    # A visible "AI-generated" corner mark on the team's clips and posters (downloads and gallery shares).
    label_outputs = models.BooleanField(
        default=True, help_text="Burn a small “AI-generated” mark into the corner of every clip and poster."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(credits_available__gte=0), name="team_credits_not_negative"),
            models.CheckConstraint(condition=models.Q(credits_reserved__gte=0), name="team_reserved_not_negative"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Most credits this member may spend per monthly period; None means no cap beyond the team's.
    monthly_credit_cap = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_manage_team(self):
        return self.role in (Role.OWNER, Role.ADMIN)


class ApiKeyScope(models.TextChoices):
    GENERATE = "generate", "Create generations"
    READ = "read", "Read generations"


class ApiKey(models.Model):
    """A team's API key. Only `prefix` (for lookup) and a peppered hash of the secret are stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} (sk-{self.prefix}…)"

    def has_scope(self, scope):
        return scope in self.scopes


class KlingKeyPair(models.Model):
    """A Kling-style access key / secret key pair, for SDKs that sign HS256 JWTs (`iss` = access key).

    HS256 is verified with the secret itself, so a hash would not do: the secret is stored encrypted
    (Fernet, AES-128-CBC + HMAC-SHA256) under a key derived from settings.KLING_PAIR_ENCRYPTION_KEY, or
    from SECRET_KEY when that is empty (see accounts.kling_pairs). It is shown once, at creation.

    The pair acts through `api_key`, an ApiKey created with it whose own secret is never shown: its scopes,
    rate limits, expiry, revocation, last use and the ledger's attribution are the pair's. Revoking either
    revokes both.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="kling_key_pairs")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="kling_key_pairs")
    api_key = models.OneToOneField(ApiKey, on_delete=models.CASCADE, related_name="kling_pair")
    access_key = models.CharField(max_length=40, unique=True)
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.api_key.name} ({self.access_key})"


class CreditEntryKind(models.TextChoices):
    GRANT = "grant", "Grant"
    RESERVE = "reserve", "Reserve"
    CAPTURE = "capture", "Capture"
    RELEASE = "release", "Release"
    ADJUST = "adjust", "Adjustment"


class CreditEntry(models.Model):
    """One row of a team's credit ledger. The team's balances are the sums of the deltas."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="credit_entries")
    kind = models.CharField(max_length=10, choices=CreditEntryKind.choices)
    amount = models.BigIntegerField(help_text="Credits moved; negative only for a downward adjustment.")
    available_delta = models.BigIntegerField()
    reserved_delta = models.BigIntegerField()
    # The member whose spending this is (reserve/capture/release), for per-member usage and caps.
    member = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=254)
    # The generation this entry belongs to, by public id (accounts never imports generations).
    generation_ref = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=200)
    available_after = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "credit entries"
        indexes = [
            models.Index(fields=["team", "created_at"], name="credit_team_time"),
            models.Index(fields=["team", "member", "created_at"], name="credit_member_time"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} for {self.team}"


class AuditEventType(models.IntegerChoices):
    """Numbered in ranges by subject; a number is never reused for another meaning."""

    # 100–199: authentication
    SIGN_IN = 101, "Signed in"
    SIGN_IN_FAILED = 102, "Sign-in failed"
    SIGN_OUT = 103, "Signed out"
    SIGN_IN_LOCKED_OUT = 104, "Sign-in refused: too many failures"
    # 200–299: API keys
    API_KEY_CREATED = 201, "API key created"
    API_KEY_REVOKED = 202, "API key revoked"
    KLING_KEY_PAIR_CREATED = 203, "Kling access key / secret key pair created"
    # 300–399: teams and roles
    TEAM_CREATED = 301, "Team created"
    MEMBER_ADDED = 302, "Member added"
    MEMBER_REMOVED = 303, "Member removed"
    ROLE_CHANGED = 304, "Role changed"
    MEMBER_CAP_CHANGED = 305, "Member credit cap changed"
    TEAM_LIMITS_CHANGED = 306, "Team limits changed"
    INVITATION_SENT = 307, "Invitation sent"
    INVITATION_RESENT = 308, "Invitation resent"
    INVITATION_REVOKED = 309, "Invitation revoked"
    INVITATION_ACCEPTED = 310, "Invitation accepted"
    INVITATION_DECLINED = 311, "Invitation declined"
    INVITATION_EXPIRED = 312, "Invitation expired"
    TEAM_SETTINGS_CHANGED = 313, "Team settings changed"
    # 400–499: credits
    CREDITS_GRANTED = 401, "Credits granted"
    CREDITS_ADJUSTED = 402, "Credits adjusted"
    ALLOWANCE_RENEWED = 403, "Monthly allowance renewed"
    # 500–599: generations
    GENERATION_SUBMITTED = 501, "Generation submitted"
    GENERATION_STATUS_CHANGED = 502, "Generation status changed"
    GENERATION_CANCELED = 503, "Generation canceled"
    # 600–699: automated moderation decisions
    PROMPT_SCREENED = 601, "Prompt screened"
    OUTPUT_SCANNED = 602, "Output scanned"
    UPSTREAM_REFUSED = 603, "Upstream content-safety refusal"
    # 700–799: human review
    MEDIA_UNBLURRED = 701, "Media unblurred by a moderator"
    REVIEW_CLAIMED = 702, "Review item claimed"
    REVIEW_DECIDED = 703, "Review decision"
    REVIEW_ESCALATED = 704, "Review item escalated"
    APPEAL_FILED = 705, "Appeal filed"
    REVIEW_EXPIRED = 706, "Review item denied automatically (SLA passed)"
    REVIEW_WITHDRAWN = 707, "Held generation withdrawn by its author"
    REVIEW_CONTEXT_ADDED = 708, "Context added for the moderator"
    QA_SAMPLED = 710, "Decision sampled for a blind second review"
    QA_DECIDED = 711, "Blind second review decided"
    QA_RESOLVED = 712, "Second-review disagreement resolved by a lead"
    WELLNESS_PREFERENCES_CHANGED = 750, "Moderator's media viewing preferences changed"
    WELLNESS_DEFAULTS_CHANGED = 751, "Organisation's media viewing defaults changed"
    MODERATION_ROLE_CHANGED = 720, "Moderation role changed"
    REVIEW_QUEUE_CHANGED = 721, "Review queue created, changed or deleted"
    ROUTING_RULE_CHANGED = 722, "Routing rule created, changed or deleted"
    # 900–999: the audit trail itself
    AUDIT_EXPORTED = 901, "Audit trail exported"
    AUDIT_CHECKPOINT = 902, "Audit checkpoint signed"
    # 800–899: standing
    STANDING_STRIKE = 801, "Standing strike recorded"
    STANDING_CHANGED = 802, "Standing level changed"
    STANDING_ADJUSTED = 803, "Standing adjusted by a moderator"
    SUSPENSION_LIFTED = 804, "Suspension lifted"
    STRIKE_REVERTED = 805, "Strike reverted (appeal upheld)"
    # 1000–1099: likeness consent
    CONSENT_RECORDED = 1001, "Likeness consent recorded"
    CONSENT_REVOKED = 1002, "Likeness consent revoked"
    # 1100–1199: the team gallery
    GALLERY_SHARED = 1101, "Shared to the team gallery"
    GALLERY_UNSHARED = 1102, "Withdrawn from the team gallery"
    GALLERY_REPORTED = 1103, "Gallery item reported"
    GALLERY_REMOVED = 1104, "Gallery item removed by a moderator"

    WEBHOOK_ENDPOINT_CREATED = 1201, "Webhook endpoint created"
    WEBHOOK_ENDPOINT_STOPPED = 1202, "Webhook endpoint stopped"
    WEBHOOK_REDELIVERED = 1203, "Webhook delivery sent again"
    WEBHOOK_TEST_SENT = 1204, "Webhook test event sent"
    # 1300–1399: hash banks, removing content with its copies, takedown requests
    HASH_BANK_CREATED = 1301, "Hash bank created"
    HASH_BANK_CHANGED = 1302, "Hash bank changed"
    HASH_BANK_DELETED = 1303, "Hash bank deleted"
    HASH_BANK_ENTRY_ADDED = 1304, "Hash bank entry added"
    HASH_BANK_IMPORTED = 1305, "Hashes imported into a bank"
    HASH_BANK_ENTRY_DELETED = 1306, "Hash bank entry deleted"
    CONTENT_BANNED = 1310, "Content removed and banned with its copies"
    COPY_TAKEN_DOWN = 1311, "Copy of banned content taken down"
    TAKEDOWN_REQUESTED = 1320, "Takedown request received"
    TAKEDOWN_VERIFIED = 1321, "Takedown request verified"
    TAKEDOWN_REJECTED = 1322, "Takedown request rejected"
    # 1400–1499: child safety (CyberTipline report drafts, preservation holds)
    CHILD_SAFETY_REPORT_DRAFTED = 1401, "CSAM report drafted; evidence preserved"
    CHILD_SAFETY_REPORT_DOWNLOADED = 1402, "CSAM report draft downloaded"
    CHILD_SAFETY_REPORT_FILED = 1403, "CSAM report marked filed externally"
    CHILD_SAFETY_REPORT_WITHDRAWN = 1404, "CSAM report draft withdrawn"

    MEDIA_RETENTION_DELETED = 1501, "Media deleted under the retention policy"
    # 1600–1699: the element library (saved subjects for omni-video and omni-image)
    ELEMENT_CREATED = 1601, "Element created"
    ELEMENT_REFUSED = 1602, "Element refused by screening"
    ELEMENT_DECIDED = 1603, "Held element decided by a moderator"
    ELEMENT_DELETED = 1604, "Element deleted"


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained ledger of security-relevant acts.

    `hash = sha256(canonical_json(event) + prev_hash)`; see `accounts.audit`.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.PositiveSmallIntegerField(choices=AuditEventType.choices, db_index=True)
    # No database constraint and no cascade: deleting a user, key or team must never rewrite the ledger
    # (the ids are part of each event's hash, and the rows are append-only).
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # "user", "api_key" or "system": kept as text too, so the chain survives the actor's deletion.
    actor_kind = models.CharField(max_length=10)
    actor_label = models.CharField(max_length=254, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    extra = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.get_event_type_display()} by {self.actor_label or self.actor_kind}"


class AuditChainHead(models.Model):
    """A single row locked by every audit write so that concurrent writers never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)


class StandingLevel(models.TextChoices):
    GOOD = "good", "Good standing"
    WARNED = "warned", "Warned"
    RESTRICTED = "restricted", "Restricted"
    SUSPENDED = "suspended", "Suspended"


class StandingEvent(models.Model):
    """One thing that counts for (or, with negative points, against the count of) a user's standing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="standing_events")
    category = models.CharField(max_length=30)
    # What happened: prompt_block, output_block, upstream_refusal, injection, escalation, review_rejection,
    # adjustment (by a moderator).
    source = models.CharField(max_length=30)
    points = models.FloatField()
    # sexual_minors attempts never fade with time.
    decays = models.BooleanField(default=True)
    # Set when an appeal overturned the decision behind this event: it then counts for nothing.
    reverted_at = models.DateTimeField(null=True, blank=True)
    generation_ref = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=254, default="system")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Standing(models.Model):
    """A user's current place on the ladder, derived from their events; changed only by accounts.standing."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="standing")
    level = models.CharField(max_length=12, choices=StandingLevel.choices, default=StandingLevel.GOOD)
    points = models.FloatField(default=0)
    # A suspension holds until a moderator lifts it, whatever the points do meanwhile.
    suspended_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class Notice(models.Model):
    """A message to one user in the portal (standing changes, review outcomes): nothing happens silently."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """An offer to join a team, sent by e-mail. Nobody joins, and no account is created, until the person who
    holds the e-mailed token accepts it. Only a hash of the token is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and team: a second invite is a resend.
            models.UniqueConstraint(
                fields=["team", "email"], condition=models.Q(state="pending"), name="one_pending_invitation_per_email"
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.team} ({self.state})"
