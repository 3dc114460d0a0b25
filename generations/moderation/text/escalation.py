"""Escalation memory: the same user's recent prompts change how the current one is read.

The caller keeps the history and passes it in (newest last); nothing here touches the database. The rules:

- trajectory: a category whose score climbs step by step to near its threshold is pushed over it (a borderline
  prompt at the end of a climb is held; one already held is blocked). Repeated near-threshold prompts in
  the same category escalate the same way: probing is itself a signal.
- rephrase: a prompt much like a recently blocked one is held the first time and blocked when it keeps a
  signal of the blocked category or when it is the second such rephrasing.
- carry-over: an edit that refers back ("she", "same scene", "now make it ...") inherits a minor or a real
  person named in the recent prompts, so "a 12-year-old on the beach" then "now she undresses" is
  sexual_minors even though the second prompt names no child.
- scene: the recent prompts and the current one read together, as one text, by the screen without history
  (the caller passes it in as `read`): what blocks only as a whole (a printed part, then the assembled gun,
  then "a tutorial, every step") is blocked at the step that completes it.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from generations.moderation.text.detectors import analyze
from generations.moderation.text.normalize import normalize_text
from generations.moderation.text.policy import ALLOW, BLOCK, DEFAULT, HARMFUL, REVIEW, SEVERITY, decide

VERSION = "1"
DEFAULT_WINDOW = timedelta(hours=1)
MAX_HISTORY = 8


@dataclass(frozen=True)
class PriorPrompt:
    """One earlier prompt of the same user: its text, what was decided and the scores it got."""

    text: str
    decision: str = ALLOW
    categories: dict = field(default_factory=dict)
    at: datetime | None = None


@dataclass(frozen=True)
class EscalationSignal:
    level: str = ALLOW  # what escalation alone asks for
    scores: dict = field(default_factory=dict)  # category -> escalated score, merged by maximum
    reasons: tuple = ()
    kinds: tuple = ()  # "trajectory", "probing", "rephrase", "carry-over"
    related: tuple = ()  # indexes into the history passed in (0 = oldest) that drove the signal

    def __bool__(self):
        return bool(self.scores)

    def as_audit(self):
        return {
            "level": self.level,
            "scores": {k: round(v, 3) for k, v in self.scores.items()},
            "reasons": list(self.reasons),
            "kinds": list(self.kinds),
            "related": list(self.related),
        }


def coerce_prior(item):
    if isinstance(item, PriorPrompt):
        return item
    if isinstance(item, str):
        return PriorPrompt(text=item)
    if isinstance(item, dict):
        return PriorPrompt(
            text=item.get("text") or item.get("prompt") or "",
            decision=item.get("decision", ALLOW),
            categories=dict(item.get("categories") or {}),
            at=item.get("at"),
        )
    return PriorPrompt(
        text=getattr(item, "text", "") or getattr(item, "prompt", ""),
        decision=getattr(item, "decision", ALLOW),
        categories=dict(getattr(item, "categories", {}) or {}),
        at=getattr(item, "at", None),
    )


def _recent(history, now, window):
    items = [(i, coerce_prior(item)) for i, item in enumerate(history)]
    kept = []
    for index, prior in items:
        if prior.at is not None and now is not None:
            try:
                if now - prior.at > window:
                    continue
            except TypeError:  # naive against aware: keep it rather than guess
                pass
        kept.append((index, prior))
    return kept[-MAX_HISTORY:]


_STOPWORDS = frozenset(
    "the a an and or of to in on at with for from by into onto over under is are be it its this that these those "
    "her his their she he they them him our your my me we you now then same scene shot make made making more very "
    "just also add change show video clip image picture style like".split()
)
_TOKEN = re.compile(r"[^\W\d_]{3,}")


def content_tokens(text):
    """Crude stems of the content words of the normalised text, for rephrase similarity."""
    return {token[:6] for token in _TOKEN.findall(normalize_text(text)) if token not in _STOPWORDS}


def similarity(a, b):
    ta, tb = content_tokens(a), content_tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


_BACK_REFERENCE = re.compile(
    r"\b(?:she|her|hers|he|him|his|they|them|their|same|again|now|add|make it|make her|make him|change|continue|"
    r"keep|closer|more|remove|the (?:girl|boy|kid|child|woman|man|person|subject|character|model|dancer|teen))\b"
    r"|\b(?:ella|elle|sie|lei|ela|она|он)\b|她|他|彼女|그녀",
    re.IGNORECASE,
)

REPHRASE_SIMILARITY = 0.4


_INTENSIFIERS = {"amp_explicit": 0.25, "amp_show_all": 0.25, "amp_detail": 0.1, "amp_realism": 0.1}
# Stems of words that only turn a scene up ("show everything, no censoring"): a prompt made of nothing else is
# an edit of the previous one, not a new scene.
_INTENSIFIER_WORDS = frozenset(
    "everyt censor uncens graphi explic realis photor detail closer close nothin hidden hide blur blurri mosaic "
    "cut cuts away never full fully totall comple leave imagin more intens extrem raw real hardco uncut zoom "
    "gore gory bloody blood version again keep even much way".split()
)


def reads_as_edit(prompt):
    """True when the prompt refers back to the previous one or only intensifies it."""
    if _BACK_REFERENCE.search(prompt):
        return True
    tokens = content_tokens(prompt)
    return bool(tokens) and tokens <= _INTENSIFIER_WORDS


class _Priors:
    """The recent prompts, analysed at most once each, on demand."""

    def __init__(self, recent):
        self.recent = recent
        self._analyses = {}

    def ctx(self, index, prior):
        if index not in self._analyses:
            self._analyses[index] = analyze(prior.text)
        return self._analyses[index]

    def scores(self, index, prior):
        return prior.categories or self.ctx(index, prior).scores


class _Raises:
    """What the rules add: a category's score is raised only above the prompt's own and any earlier raise."""

    def __init__(self, scores):
        self.scores = scores
        self.out, self.reasons, self.kinds, self.related = {}, [], [], set()

    def raise_to(self, category, score, reason, kind, indexes):
        score = min(1.0, score)
        if score <= self.scores.get(category, 0.0) or score < self.out.get(category, 0.0):
            return
        self.out[category] = score
        self.reasons.append(f"{category}: {reason}")
        if kind not in self.kinds:
            self.kinds.append(kind)
        self.related.update(indexes)


def _trajectory_and_probing(raises, prompt, series, scores, policy):
    """Prompts that climb step by step toward a category, or keep trying near (or past) its limit."""
    for category in HARMFUL:
        review, block = policy.threshold(category)
        current = scores.get(category, 0.0)
        if current < review - 0.15:
            continue
        window_scores = [s.get(category, 0.0) for _, _, s in series[-4:]] + [current]
        rises = sum(1 for a, b in zip(window_scores, window_scores[1:], strict=False) if b > a + 0.05)
        if rises >= 2 and current >= max(window_scores[:-1]) and current - min(window_scores) >= 0.25:
            target = max(review, current + 0.2) if current < review else max(block, current + 0.2)
            raises.raise_to(category, target, "the recent prompts climb step by step toward this category",
                            "trajectory", [index for index, _, _ in series[-4:]])
        # Several prompts that each needed a human are not, by themselves, pushing: a user may make five
        # harmless clips of film stars, or the same scene with one star after another. Pushing shows as a
        # prompt past the middle of the band between review and block, or a climb above the earlier ones;
        # after a block, as a prompt past the middle or a rephrasing of the blocked one.
        near_limit = current >= (review + min(block, 1.0)) / 2
        held = [(index, prior, s) for index, prior, s in series
                if SEVERITY.get(prior.decision, 0) >= 1 and s.get(category, 0.0) >= review]
        if len(held) >= 2 and current >= review - 0.1:
            climbing = current > max(s.get(category, 0.0) for _, _, s in held) + 0.05
            if near_limit or climbing:
                raises.raise_to(category, block, "repeated attempts near the limit of this category", "probing",
                                [index for index, _, _ in held])
        blocked_here = [(index, prior, s) for index, prior, s in series[-3:]
                        if prior.decision == BLOCK and s.get(category, 0.0) >= block]
        if blocked_here and current >= review and (near_limit or _rephrases(prompt, blocked_here)):
            raises.raise_to(category, block, "keeps pushing toward a category that was just blocked", "probing",
                            [index for index, _, _ in blocked_here])


def _rephrases(prompt, items):
    """Whether `prompt` closely resembles the text of any (index, prior, scores) item."""
    return any(similarity(prompt, prior.text) >= REPHRASE_SIMILARITY for _, prior, _ in items)


def _intensifying_edit(raises, prompt, tags, series, policy):
    """An edit that only intensifies ("show everything", "make it graphic") inherits what it intensifies."""
    boost = min(0.3, sum(v for t, v in _INTENSIFIERS.items() if t in tags))
    if not boost or not reads_as_edit(prompt):
        return
    for index, _prior, s in series[-2:]:
        for category in ("sexual", "violence", "self_harm"):
            review, _ = policy.threshold(category)
            if s.get(category, 0.0) >= review:
                raises.raise_to(category, s[category] + boost, "intensifies a recent prompt in this category",
                                "carry-over", [index])


def _rephrased_block(raises, prompt, scores, series, policy):
    """A prompt close to one blocked recently: review once, block when repeated or still carrying the signal."""
    blocked = [(index, prior, s) for index, prior, s in series if prior.decision == BLOCK]
    similar = [item for item in blocked if similarity(prompt, item[1].text) >= REPHRASE_SIMILARITY]
    if not similar:
        return
    verdicts = [decide(s, policy) for _, _, s in similar]
    categories = {v.top_category for v in verdicts if v.top_category} or {"sexual"}
    for category in categories:
        review, block = policy.threshold(category)
        keeps_signal = scores.get(category, 0.0) >= 0.2
        if len(similar) >= 2 or keeps_signal:
            raises.raise_to(category, max(block, 0.7), "rephrases a recently blocked prompt", "rephrase",
                            [index for index, _, _ in similar])
        else:
            raises.raise_to(category, review, "closely resembles a recently blocked prompt", "rephrase",
                            [index for index, _, _ in similar])


def _who_is_in_the_scene(raises, prompt, scores, priors):
    """A sexual edit that refers back ("make her…") to a scene with a minor or a real person in it."""
    sexual = scores.get("sexual", 0.0)
    if sexual < 0.3 or not _BACK_REFERENCE.search(prompt):
        return
    minor, person, minor_from = 0.0, [], []
    for index, prior in priors.recent[-3:]:
        ctx = priors.ctx(index, prior)
        if ctx.signals.get("_minor", 0.0) > minor:
            minor = ctx.signals["_minor"]
        if ctx.signals.get("_minor", 0.0):
            minor_from.append(index)
        if ctx.tags & {"real_named", "private_person", "photo_source"}:
            person.append(index)
    if minor >= 1.0 or (minor and sexual >= 0.45):
        raises.raise_to("sexual_minors", 0.97 if minor >= 1.0 else 0.9,
                        "a sexual edit of a scene that has a minor in it", "carry-over", minor_from)
    if person:
        raises.raise_to("deepfake", 0.9, "a sexual edit of a scene with a real person in it", "carry-over", person)


SCENE_PRIORS = 3  # how many of the recent prompts are read together with the current one
SCENE_MARGIN = 0.05  # how far the scene's reading must rise above every prompt's own to count


def scene_text(prompt, priors):
    """The recent prompts and the current one as one text, oldest first, each its own sentence."""
    return " ".join(text.strip().rstrip(".") + "." for text in [*priors, prompt] if text.strip())


def _the_scene_so_far(raises, prompt, scores, series, read, policy):
    """Edits are read together: "a girl on stage in a saree", "the saree slips", "now take it all off" says
    in three prompts what none says alone. `read` scores the recent prompts and this one as one text (the
    lexicon and the semantic layer, no history); a harmful category it blocks, clearly above what this prompt
    and each earlier one scored alone, is raised to what the scene scores. Only a block counts: read together,
    the steps of harmless edits (a horror trailer, a swimwear shoot) often reach the review band, and holding
    those flagged 6 of 62 benign sequences of the corpora while a block flagged none."""
    if read is None or not series:
        return
    window = series[-SCENE_PRIORS:]
    together = read(scene_text(prompt, [prior.text for _, prior, _ in window]))
    for category in HARMFUL:
        _, block = policy.threshold(category)
        score = together.get(category, 0.0)
        alone = max([scores.get(category, 0.0)] + [s.get(category, 0.0) for _, _, s in window])
        if score >= block and score > alone + SCENE_MARGIN:
            raises.raise_to(category, score, "the recent prompts, read together with this one, ask for this",
                            "scene", [index for index, _, _ in window])


def escalation_signal(prompt, history=(), *, scores=None, tags=None, has_face_input=False, now=None,
                      policy=DEFAULT, window=DEFAULT_WINDOW, read=None):
    """What the recent history adds to the current prompt's scores (empty when it adds nothing): five
    rules, applied in order, each raising a category only above what the prompt and earlier rules gave.
    `read(text) -> scores` is the screen without history, for reading the recent prompts as one scene (the
    rule is off without it)."""
    if not history:
        return EscalationSignal()
    if scores is None or tags is None:
        ctx = analyze(prompt, has_face_input=has_face_input)
        scores = ctx.scores if scores is None else scores
        tags = ctx.tags if tags is None else tags
    now = now if now is not None else datetime.now(timezone.utc)
    recent = _recent(history, now, window)
    if not recent:
        return EscalationSignal()
    priors = _Priors(recent)
    series = [(index, prior, priors.scores(index, prior)) for index, prior in recent]
    raises = _Raises(scores)
    _trajectory_and_probing(raises, prompt, series, scores, policy)
    _intensifying_edit(raises, prompt, tags, series, policy)
    _rephrased_block(raises, prompt, scores, series, policy)
    _who_is_in_the_scene(raises, prompt, scores, priors)
    _the_scene_so_far(raises, prompt, scores, series, read, policy)
    if not raises.out:
        return EscalationSignal()
    merged = dict(scores)
    merged.update({k: max(v, merged.get(k, 0.0)) for k, v in raises.out.items()})
    level = decide(merged, policy).decision
    if SEVERITY[level] <= SEVERITY[decide(scores, policy).decision]:
        level = max(level, REVIEW, key=SEVERITY.__getitem__)
    return EscalationSignal(level=level, scores=raises.out, reasons=tuple(raises.reasons), kinds=tuple(raises.kinds),
                            related=tuple(sorted(raises.related)))
