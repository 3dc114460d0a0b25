"""Free text a member writes that is not a prompt (a gallery caption, the note on a consent record) is
screened by the same engine and policy as prompts, read on its own: no prompt history, no negative prompt.

Unlike a prompt, such text has no generation that could wait for a moderator, and the team sees it as soon
as it is saved, so anything short of allow is refused with a message asking to rephrase (text only a
moderator reads, such as the context a member adds to a held generation, is refused only when blocked or
when it could not be checked). A refusal saves nothing and leaves one `PROMPT_SCREENED` audit event
(field, text, full decision) so a moderator can see why; an allowed decision is returned for the caller to
keep with what it saved.
"""

from dataclasses import dataclass

from accounts.audit import Actor, record_audit_event
from accounts.models import AuditEventType
from generations.errors import GenerationError
from generations.moderation.text import screening
from generations.moderation.text.explain import CATEGORY_WORDS


@dataclass(frozen=True)
class Field:
    """How one kind of free text is named to its author and in the error codes (`<prefix>_blocked`, `_held`)."""

    name: str  # the form field
    noun: str
    prefix: str
    saved: str  # what did not happen: "shared", "recorded"
    hint: str
    # Read only by a moderator (never shown to the team): text screening would hold for review is kept
    # (the moderator is the reviewer); only blocked text, or text that could not be checked, is refused.
    moderator_only: bool = False


CAPTION = Field(
    "caption", "caption", "caption", "shared",
    "Captions are seen by your whole team: rephrase it, or share the clip without a caption.",
)
CONSENT_NOTE = Field(
    "statement", "consent note", "note", "recorded",
    "Say only how and when the person agreed (for example: signed release form, 2026-11-20).",
)
REVIEW_CONTEXT = Field(
    "context", "note", "context", "sent to the moderator",
    "Say in plain words what the clip is for and why it is fine (for example: a history lesson about elections).",
    moderator_only=True,
)


def refusal(decision, field):
    """The GenerationError that refuses text screened as `decision`, or None when it is allowed."""
    category = decision.top_category
    if decision.decision == screening.ALLOW or (field.moderator_only and decision.decision == screening.REVIEW and category):
        return None
    words = CATEGORY_WORDS.get(category, "content our policy does not allow")
    if decision.decision == screening.BLOCK:
        code = f"{field.prefix}_blocked"
        message = f"This {field.noun} was not {field.saved}: it describes {words}, which our content policy does not allow."
    elif category is None:
        # Nothing was found; a check could not finish (a remote engine failed closed).
        code = f"{field.prefix}_held"
        message = f"This {field.noun} could not be checked right now, so it was not {field.saved}. Try again shortly."
    else:
        code = f"{field.prefix}_held"
        message = f"This {field.noun} was not {field.saved}: it may involve {words}."
    return GenerationError(
        code, f"{message} {field.hint}", http_status=422, field=field.name, categories=[category] if category else []
    )


def check_free_text(text, field, *, user, team, target=None, strict=False, request=None):
    """Screen `text`; return the decision (as stored in the audit trail) when allowed, None for no text.
    Otherwise record why in the audit trail and raise the refusal."""
    if not text:
        return None
    decision = screening.screen_prompt(text, user=user, strict=strict)
    error = refusal(decision, field)
    if error is None:
        return decision.as_audit()
    record_audit_event(
        AuditEventType.PROMPT_SCREENED, actor=Actor(user=user), team=team, target=target,
        extra={"field": field.name, "text": text, "outcome": "refused", "code": error.code, "screening": decision.as_audit()},
        request=request,
    )
    raise error
