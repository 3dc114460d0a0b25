"""DSA statements of reasons: one per restrictive decision, in the EU Transparency Database's schema, exported
as JSON lines and submitted in batches to its multiple-statements endpoint."""

import datetime as dt
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.audit import SYSTEM, Actor, record_audit_event
from accounts.models import AuditEvent, AuditEventType, User
from generations.actions import reports
from generations.catalog import output_media
from generations.models import Generation, ReviewItem
from generations.states import Stage, Status

pytestmark = pytest.mark.django_db


def _gen(team, user, when, **fields):
    return Generation.objects.create(team=team, created_by=user, prompt="a clip", model_name="kling-v1", created_at=when, **fields)


def _review(generation, kind, stage, decision, decided_at, *, waited_s, moderator=None, categories=None):
    return ReviewItem.objects.create(
        generation=generation, kind=kind, stage=stage, categories=categories or {}, decision=decision,
        decision_reason="looked at it", decided_by=moderator, decided_at=decided_at,
        created_at=decided_at - dt.timedelta(seconds=waited_s), sla_due_at=decided_at + dt.timedelta(hours=1),
    )


def make_world(team, other_team, author, *, now=None):
    """A varied set of decisions in the minutes before `now`, plus some that must not count. Returns the moderator."""
    now = now or timezone.now()
    t = lambda seconds: now - dt.timedelta(seconds=seconds)  # noqa: E731
    moderator = User.objects.create_user("lead@example.org", "pw-lead-123", is_moderator=True, is_staff=True)
    # Automated, at submit: a prompt block, a prompt hold, an input block by hash match, an input hold by the image scan.
    _gen(team, author, t(300), status=Status.BLOCKED, stage=Stage.PROMPT, finished_at=t(300),
         screening_result={"decision": "block", "categories": {"sexual": 0.97, "violence": 0.1}, "reasons": ["lexicon: explicit"],
                           "content_policy_version": "2026.12"})
    held = _gen(team, author, t(290), status=Status.HELD, stage=Stage.PROMPT,
                screening_result={"decision": "review", "categories": {"political": 0.6}, "reasons": ["public figure"]})
    _gen(other_team, author, t(280), status=Status.BLOCKED, stage=Stage.INPUT, finished_at=t(280),
         screening_result={"decision": "allow", "categories": {}, "hash_match": {"bank": "csam", "action": "block", "category": "sexual_minors"}})
    _gen(team, author, t(270), status=Status.HELD, stage=Stage.INPUT,
         screening_result={"decision": "allow", "categories": {"deepfake": 0.5}, "input_scan": {"verdict": "review"}})
    # Allowed: no decision to report.
    _gen(team, author, t(260), status=Status.SUCCEEDED, stage=Stage.DONE, screening_result={"decision": "allow", "categories": {}},
         scan_result={"verdict": "allow", "categories": {}}, render_finished_at=t(200))
    # Output scan: a block and a hold (withheld until a person looks).
    _gen(team, author, t(250), status=Status.BLOCKED, stage=Stage.OUTPUT, render_finished_at=t(240), finished_at=t(240),
         screening_result={"decision": "allow", "categories": {}},
         scan_result={"verdict": "block", "categories": {"violence": 0.91}, "detectors": ["onnx:gore"], "policy_version": "2026.12"})
    out_held = _gen(team, author, t(230), status=Status.HELD, stage=Stage.OUTPUT, render_finished_at=t(220),
                    screening_result={"decision": "allow", "categories": {}},
                    scan_result={"verdict": "review", "categories": {"sexual": 0.5}, "detectors": ["open_nsfw"]})
    # The upstream refused one.
    _gen(team, author, t(210), status=Status.BLOCKED, stage=Stage.UPSTREAM, error_code="upstream_content_policy", finished_at=t(205))
    # Human decisions: the prompt hold approved, the output hold rejected, an appeal upheld, an appeal denied,
    # a gallery report upheld; and one item denied automatically past its SLA.
    _review(held, "held", Stage.PROMPT, "approved", t(100), waited_s=60, moderator=moderator, categories={"political": 0.6})
    _review(out_held, "held", Stage.OUTPUT, "rejected", t(90), waited_s=120, moderator=moderator, categories={"sexual": 0.5})
    blocked = Generation.objects.filter(stage=Stage.PROMPT, status=Status.BLOCKED).first()
    _review(blocked, "appeal", Stage.PROMPT, "approved", t(80), waited_s=30, moderator=moderator, categories={"sexual": 0.97})
    upstream = Generation.objects.get(stage=Stage.UPSTREAM)
    _review(upstream, "appeal", Stage.UPSTREAM, "rejected", t(70), waited_s=90, moderator=moderator)
    shared = _gen(team, author, t(200), status=Status.SUCCEEDED, stage=Stage.DONE)
    _review(shared, "report", Stage.OUTPUT, "rejected", t(60), waited_s=45, moderator=moderator, categories={"violence": 0.4})
    late = _gen(team, author, t(190), status=Status.BLOCKED, stage=Stage.INPUT)
    _review(late, "held", Stage.INPUT, "expired", t(50), waited_s=100)
    # An open item and a withdrawn one are no decisions.
    _review(_gen(team, author, t(40)), "held", Stage.PROMPT, "", t(40), waited_s=10)
    _review(_gen(team, author, t(40)), "held", Stage.PROMPT, "withdrawn", t(40), waited_s=10)
    # From the ledger: a copy taken down by a moderator, an account suspended automatically, and a level drop.
    record_audit_event(AuditEventType.COPY_TAKEN_DOWN, actor=Actor(user=moderator), team=team, target=shared,
                       extra={"generation": str(shared.public_id), "team": team.slug, "bank": "ncii", "source": "ban",
                              "again": False, "policy_version": "2026.12"})
    record_audit_event(AuditEventType.STANDING_CHANGED, actor=SYSTEM, target=author,
                       extra={"old": "good", "new": "restricted", "reason": "three blocks"})
    record_audit_event(AuditEventType.STANDING_CHANGED, actor=SYSTEM, target=author,
                       extra={"old": "restricted", "new": "suspended", "reason": "sexual_minors attempt"})
    record_audit_event(AuditEventType.STANDING_CHANGED, actor=SYSTEM, target=author,
                       extra={"old": "suspended", "new": "restricted", "reason": "suspension lifted"})
    # Outside any recent window.
    _gen(team, author, now - dt.timedelta(days=400), status=Status.BLOCKED, stage=Stage.PROMPT,
         screening_result={"decision": "block", "categories": {"sexual": 0.99}})
    return moderator


@pytest.fixture
def world(team, other_team, alice):
    return make_world(team, other_team, alice)


def _window():
    now = timezone.now()
    return now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1)


def test_it_writes_a_valid_statement_for_every_restrictive_decision_kind(world):
    found = reports.decisions(*_window())
    kinds = {decision.kind for decision in found if decision.restrictive}
    assert kinds == set(reports.RESTRICTIVE_KINDS)  # the world has one of each
    for decision in found:
        if decision.restrictive:
            statement = reports.statement_for(decision)
            assert reports.statement_problems(statement) == [], (decision.kind, statement)


def test_it_maps_each_kind_to_the_schema_values_a_reader_expects(world):
    by_kind = {}
    for decision in reports.decisions(*_window()):
        if decision.restrictive:
            by_kind.setdefault(decision.kind, reports.statement_for(decision))
    prompt = by_kind[reports.PROMPT_BLOCKED]
    assert prompt["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert prompt["category"] == "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"
    assert "CONTENT_TYPE_SYNTHETIC_MEDIA" in prompt["content_type"] and "CONTENT_TYPE_TEXT" in prompt["content_type"]
    assert prompt["automated_decision"] == "AUTOMATED_DECISION_FULLY" and prompt["source_type"] == "SOURCE_VOLUNTARY"
    assert "2026.12" in prompt["incompatible_content_ground"]
    assert by_kind[reports.INPUT_BLOCKED]["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert by_kind[reports.OUTPUT_WITHHELD]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    gallery = by_kind[reports.GALLERY_REMOVED]
    assert gallery["source_type"] == "SOURCE_ARTICLE_16" and gallery["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    suspended = by_kind[reports.ACCOUNT_SUSPENDED]
    assert suspended["decision_account"] == "DECISION_ACCOUNT_SUSPENDED" and "decision_visibility" not in suspended
    assert by_kind[reports.ACCOUNT_RESTRICTED]["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    # A lifted suspension is no restriction, and puids are never reused.
    assert sum(1 for d in reports.decisions(*_window()) if d.kind == reports.ACCOUNT_RESTRICTED) == 1
    puids = [reports.statement_for(d)["puid"] for d in reports.decisions(*_window()) if d.restrictive]
    assert len(puids) == len(set(puids))
    # No personal data: no e-mail in any statement.
    assert "@" not in json.dumps(list(by_kind.values()))


# --- what the statement says the content is: a still, a sound or a clip ------------------------------------


def _media_world(team, author, moderator):
    """One of each restrictive decision about the image and sound kinds (and a video-to-audio and a clip beside
    them): {generation kind: its statements, by decision kind}."""
    now = timezone.now()
    t = lambda seconds: now - dt.timedelta(seconds=seconds)  # noqa: E731
    made = {}
    for offset, kind in enumerate(("images/generations", "images/omni-image", "audio/text-to-audio", "audio/video-to-audio",
                                   "text2video")):
        base = 600 - offset * 100
        made[kind] = [
            _gen(team, author, t(base), kind=kind, status=Status.BLOCKED, stage=Stage.PROMPT, finished_at=t(base),
                 screening_result={"decision": "block", "categories": {"violence": 0.95}, "reasons": ["lexicon"]}),
            _gen(team, author, t(base - 10), kind=kind, status=Status.BLOCKED, stage=Stage.OUTPUT, render_finished_at=t(base - 9),
                 finished_at=t(base - 9), screening_result={"decision": "allow", "categories": {}},
                 scan_result={"verdict": "block", "categories": {"sexual": 0.93}, "detectors": ["open_nsfw"]}),
            _gen(team, author, t(base - 20), kind=kind, status=Status.HELD, stage=Stage.OUTPUT, render_finished_at=t(base - 19),
                 screening_result={"decision": "allow", "categories": {}}, scan_result={"verdict": "review", "categories": {"sexual": 0.5}}),
            _gen(team, author, t(base - 30), kind=kind, status=Status.BLOCKED, stage=Stage.UPSTREAM,
                 error_code="upstream_content_policy", finished_at=t(base - 29)),
        ]
        shared = _gen(team, author, t(base - 40), kind=kind, status=Status.SUCCEEDED, stage=Stage.DONE)
        _review(shared, "report", Stage.OUTPUT, "rejected", t(base - 45), waited_s=30, moderator=moderator, categories={"violence": 0.4})
        record_audit_event(AuditEventType.COPY_TAKEN_DOWN, actor=Actor(user=moderator), team=team, target=shared,
                           extra={"generation": str(shared.public_id), "team": team.slug, "bank": "ncii", "source": "ban", "again": False})
        made[kind].append(shared)
    by_public_id = {str(generation.public_id): kind for kind, rows in made.items() for generation in rows}
    found = {}
    for decision in reports.decisions(*_window()):
        if decision.restrictive and decision.generation in by_public_id:
            found.setdefault(by_public_id[decision.generation], {})[decision.kind] = reports.statement_for(decision)
    return found


MEDIA_KINDS = {reports.PROMPT_BLOCKED, reports.OUTPUT_BLOCKED, reports.OUTPUT_WITHHELD, reports.UPSTREAM_BLOCKED,
               reports.GALLERY_REMOVED, reports.COPY_TAKEN_DOWN}


def test_a_still_images_statements_name_an_image_never_a_video(team, alice):
    moderator = User.objects.create_user("lead@example.org", "pw-lead-123", is_moderator=True, is_staff=True)
    found = _media_world(team, alice, moderator)
    for kind in ("images/generations", "images/omni-image"):
        assert set(found[kind]) == MEDIA_KINDS
        for decision_kind, statement in found[kind].items():
            assert reports.statement_problems(statement) == [], (kind, decision_kind)
            assert "CONTENT_TYPE_IMAGE" in statement["content_type"] and "CONTENT_TYPE_VIDEO" not in statement["content_type"]
            assert "video" not in statement["decision_facts"] and "video" not in statement["incompatible_content_explanation"]
        assert found[kind][reports.PROMPT_BLOCKED]["content_type"] == ["CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_TEXT"]
        assert found[kind][reports.PROMPT_BLOCKED]["decision_facts"].startswith("A request to generate an image was refused")
        assert found[kind][reports.OUTPUT_BLOCKED]["decision_facts"].startswith("A generated image was withheld from its owner for good")
        assert found[kind][reports.GALLERY_REMOVED]["decision_facts"].startswith("An image shared in a team gallery was removed")


def test_a_sounds_statements_name_audio_and_video_to_audio_names_both(team, alice):
    moderator = User.objects.create_user("lead@example.org", "pw-lead-123", is_moderator=True, is_staff=True)
    found = _media_world(team, alice, moderator)
    sound = found["audio/text-to-audio"]
    assert set(sound) == MEDIA_KINDS
    for decision_kind, statement in sound.items():
        assert reports.statement_problems(statement) == [], decision_kind
        assert "CONTENT_TYPE_AUDIO" in statement["content_type"] and "CONTENT_TYPE_VIDEO" not in statement["content_type"]
        assert "video" not in statement["decision_facts"]
    assert sound[reports.PROMPT_BLOCKED]["content_type"] == ["CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_TEXT"]
    assert sound[reports.OUTPUT_WITHHELD]["decision_facts"].startswith("A generated sound is withheld from its owner")
    assert sound[reports.UPSTREAM_BLOCKED]["decision_facts"].startswith("The model's provider refused to generate the requested sound")
    # video-to-audio makes a clip with its soundtrack, and the soundtrack alone: both are named.
    for decision_kind, statement in found["audio/video-to-audio"].items():
        assert reports.statement_problems(statement) == [], decision_kind
        assert {"CONTENT_TYPE_VIDEO", "CONTENT_TYPE_AUDIO"} <= set(statement["content_type"])
    assert "a video with sound" in found["audio/video-to-audio"][reports.PROMPT_BLOCKED]["decision_facts"]


def test_a_clips_statements_still_name_a_video_and_nothing_else(team, alice):
    moderator = User.objects.create_user("lead@example.org", "pw-lead-123", is_moderator=True, is_staff=True)
    clip = _media_world(team, alice, moderator)["text2video"]
    assert set(clip) == MEDIA_KINDS
    for decision_kind, statement in clip.items():
        assert reports.statement_problems(statement) == [], decision_kind
        assert "CONTENT_TYPE_VIDEO" in statement["content_type"]
        assert not {"CONTENT_TYPE_IMAGE", "CONTENT_TYPE_AUDIO"} & set(statement["content_type"])
    assert clip[reports.OUTPUT_BLOCKED]["content_type"] == ["CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_VIDEO"]
    assert clip[reports.PROMPT_BLOCKED]["decision_facts"].startswith("A request to generate a video was refused")
    assert clip[reports.GALLERY_REMOVED]["decision_facts"].startswith("A video shared in a team gallery was removed")


@pytest.mark.parametrize("kind, media", [
    ("text2video", ("video",)), ("image2video", ("video",)), ("omni-video", ("video",)), ("multi-elements", ("video",)),
    ("images/generations", ("image",)), ("images/editing/expand", ("image",)), ("images/omni-image", ("image",)),
    ("images/multi-image2image", ("image",)), ("audio/text-to-audio", ("audio",)), ("audio/video-to-audio", ("video", "audio")),
])
def test_output_media_names_what_each_kind_makes(kind, media):
    assert output_media(kind) == media


def test_the_validator_rejects_what_the_database_would():
    decision = reports.Decision(time=timezone.now(), generation="g", team="t", stage="prompt", decision="block",
                                categories={"sexual": 0.9}, kind=reports.PROMPT_BLOCKED, puid="g:prompt", policy_version="2026.12")
    good = reports.statement_for(decision)
    assert reports.statement_problems(good) == []
    assert "puid is required" in reports.statement_problems({**good, "puid": ""})
    no_decision = {key: value for key, value in good.items() if key != "decision_visibility"}
    assert any("one of decision_visibility" in p for p in reports.statement_problems(no_decision))
    illegal = {**good, "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}
    assert "illegal_content_legal_ground is required for DECISION_GROUND_ILLEGAL_CONTENT" in reports.statement_problems(illegal)
    assert any("category" in p for p in reports.statement_problems({**good, "category": "STATEMENT_CATEGORY_MADE_UP"}))
    assert any("application_date" in p for p in reports.statement_problems({**good, "application_date": "2026-12-02-10"}))
    assert any("content_type_other" in p for p in reports.statement_problems({**good, "content_type": ["CONTENT_TYPE_OTHER"]}))
    assert any("decision_facts" in p for p in reports.statement_problems({**good, "decision_facts": "x" * 5001}))
    with pytest.raises(ValueError):
        reports.statement_for(reports.Decision(time=timezone.now(), generation="g", team="t", stage="prompt",
                                               decision="approved", kind=reports.REVIEW_DECIDED))


def test_export_statements_writes_json_lines_and_is_audited(world, tmp_path):
    target = tmp_path / "statements.jsonl"
    today = timezone.now().date()
    call_command("export_statements", "--since", str(today - dt.timedelta(days=1)), "--until", str(today), "--output", str(target),
                 stderr=io.StringIO())
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == sum(1 for d in reports.decisions(*_window()) if d.restrictive)
    assert all(reports.statement_problems(line) == [] for line in lines)
    event = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).last()
    assert event.extra["what"] == "statements" and event.extra["rows"] == len(lines)


class _Stub(BaseHTTPRequestHandler):
    """The Transparency Database's multiple endpoint, as far as a client can tell: bearer token, at most 100
    statements a call, each validated; 201 with the statements back, 422 otherwise."""

    received = []
    token = "T0KEN"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        problems = []
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self._answer(401, {"message": "Unauthenticated."})
            return
        statements = body.get("statements")
        if not isinstance(statements, list) or not 1 <= len(statements) <= 100:
            problems.append("statements must be an array of 1 to 100")
        for index, statement in enumerate(statements or []):
            problems += [f"statements.{index}: {problem}" for problem in reports.statement_problems(statement)]
        if problems:
            self._answer(422, {"errors": problems})
            return
        type(self).received.append(statements)
        self._answer(201, {"statements": [{**s, "uuid": f"u{i}"} for i, s in enumerate(statements)]})

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub(settings):
    _Stub.received = []
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allow-lists the loopback stub
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/statements"
    server.shutdown()
    server.server_close()


def test_submit_statements_posts_valid_batches_to_the_endpoint(world, stub):
    today = timezone.now().date()
    out = io.StringIO()
    call_command("submit_statements", "--endpoint", stub, "--token", "T0KEN", "--since", str(today - dt.timedelta(days=1)),
                 "--batch-size", "4", stdout=out, stderr=io.StringIO())
    expected = sum(1 for d in reports.decisions(*_window()) if d.restrictive)
    assert [len(batch) for batch in _Stub.received] == [4] * (expected // 4) + ([expected % 4] if expected % 4 else [])
    assert sum(len(batch) for batch in _Stub.received) == expected
    assert f"{expected} statements submitted, 0 refused" in out.getvalue()
    event = AuditEvent.objects.filter(event_type=AuditEventType.AUDIT_EXPORTED).last()
    assert event.extra["what"] == "statements_submitted" and event.extra["rows"] == expected


def test_a_refused_batch_fails_the_command_and_a_bad_token_says_so(world, stub):
    with pytest.raises(CommandError, match="refused"):
        call_command("submit_statements", "--endpoint", stub, "--token", "wrong", stdout=io.StringIO(), stderr=io.StringIO())
    assert _Stub.received == []


def test_submit_refuses_a_loopback_endpoint_nobody_allow_listed(world, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match="Could not submit"):
        call_command("submit_statements", "--endpoint", "http://127.0.0.1:9/api/v1/statements", "--token", "T",
                     stdout=io.StringIO(), stderr=io.StringIO())
