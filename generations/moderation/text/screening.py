"""Prompt screening: `screen_prompt` turns a prompt into an allow / review / block decision.

Synchronous, in the request (see `manage.py bench screening` for what it costs). The pipeline, each stage a
pure function with its own table tests:

    prepare (normalise and decode: decode.py)  -> split (segments: structure.py)
    -> detect (the lexicon stack on every part: detectors.py) and understand (the semantic layer: semantic.py)
    -> combine (a violation in any part; the composition rules) -> optional remote engines (remote.py)
    -> escalate (the user's recent prompts: escalation.py) -> decide (policy.py) -> explain (explain.py)

Every decision records the engines and their versions, the policy and its thresholds, the raw scores of each
detector, the matched spans, the parts screened, which part and layer decided, and the semantic layer's
probabilities, so `decision.as_audit()` is enough to explain and replay it (`replay(audit)`).

Settings (declared with their defaults in studio/settings.py): SCREENING_POLICY, SCREENING_SHADOW_POLICY,
SCREENING_SEMANTIC, SCREENING_SECOND_OPINION, SCREENING_REMOTE_ENGINES, SCREENING_REMOTE_FAILURE_MODE, SCREENING_ESCALATION_WINDOW_S, and
the remote engines' own settings (see remote.py).
"""

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from generations.moderation.text import decode, explain, semantic, structure
from generations.moderation.text.detectors import (
    DetectorResult,
    Evidence,
    MinorSexualRule,
    RealPersonRule,
    analyze,
    art_nudity_cap,
    merged_score,
    pictures_a_person,
    rounded,
    without_names,
)
from generations.moderation.text.detectors import warm_up as warm_up_lexicon
from generations.moderation.text.escalation import EscalationSignal, PriorPrompt, escalation_signal
from generations.moderation.text.normalize import VERSION as NORMALIZE_VERSION
from generations.moderation.text.normalize import normalize_text
from generations.moderation.text.policy import (
    ALLOW,
    BLOCK,
    CATEGORIES,
    DEFAULT,
    HARMFUL,
    POLICIES,
    REVIEW,
    SEVERITY,
    SHADOW,
    STRICT,
    Policy,
    decide,
    get_policy,
    negative_prompt_for,
)
from generations.moderation.text.remote import FAIL_CLOSED, RemoteEngineError, configured_engines, failure_mode

ENGINE = "prompt-screen"
ENGINE_VERSION = "2"
CERTAIN = 0.9  # a lexicon score this high blocks whatever the semantic layer would add
SENTENCE_CORROBORATION = 0.15  # the lexicon score a lone sentence's semantic block needs beside it (combine)
DECODE_VERSION = "1"


def warm_up():
    """Load everything a first request would otherwise pay for: the lexicon's regexes, the encoder, the head."""
    warm_up_lexicon()
    if semantic.enabled():
        semantic.warm_up()

__all__ = [
    "ALLOW", "REVIEW", "BLOCK", "CATEGORIES", "DEFAULT", "STRICT", "POLICIES", "Policy", "PriorPrompt",
    "EscalationSignal", "ScreeningDecision", "screen_prompt", "escalation_signal", "negative_prompt_for",
    "replay", "SHADOW", "warm_up",
]


@dataclass(frozen=True)
class ScreeningDecision:
    decision: str
    categories: dict = field(default_factory=dict)
    reasons: tuple = ()
    engine: str = "passthrough"
    engine_version: str = "0"
    policy_version: str = "0"
    policy_name: str = ""
    thresholds: dict = field(default_factory=dict)
    engines: tuple = ()  # ((name, version), ...) in the order they ran
    raw_scores: dict = field(default_factory=dict)  # detector name -> {category: score}
    spans: tuple = ()  # evidence dicts: detector, rule, categories, view, span, text
    views_fired: tuple = ()
    needs_human: bool = False
    top_category: str | None = None
    escalation: dict | None = None
    remote_failures: tuple = ()
    shadow: dict | None = None
    strict: bool = False
    user_message: str = ""
    suggestion: str = ""
    preview: str = ""  # what the typing hint says: what submitting would do, strike included
    parts: tuple = ()  # the parts screened: "prompt", "shot:shot 2", "decoded:rot13", ...
    decided_by: dict | None = None  # {"part", "layer"} that set the top category's score
    semantic: dict | None = None  # the semantic layer's scores and probabilities (None: it did not run)

    @property
    def blocked(self):
        return self.decision == BLOCK

    @property
    def held(self):
        return self.decision == REVIEW

    def as_audit(self):
        """Everything needed to explain and replay the decision, as JSON-able values."""
        return {
            "decision": self.decision,
            "categories": dict(self.categories),
            "reasons": list(self.reasons),
            "engine": self.engine,
            "engine_version": self.engine_version,
            "policy": self.policy_name,
            "policy_version": self.policy_version,
            "thresholds": {cat: {"review": r, "block": b} for cat, (r, b) in self.thresholds.items()},
            "engines": [{"name": name, "version": version} for name, version in self.engines],
            "raw_scores": {name: dict(scores) for name, scores in self.raw_scores.items()},
            "spans": [dict(span) for span in self.spans],
            "views_fired": list(self.views_fired),
            "needs_human": self.needs_human,
            "top_category": self.top_category,
            "escalation": self.escalation,
            "remote_failures": [dict(f) for f in self.remote_failures],
            "shadow": self.shadow,
            "strict": self.strict,
            "parts": list(self.parts),
            "decided_by": self.decided_by,
            "semantic": self.semantic,
        }


def user_is_restricted(user):
    """Users in the penalty box get the strict policy. Reads what the standing feature exposes, if anything."""
    if user is None:
        return False
    if getattr(user, "screening_strict", False):
        return True
    standing = getattr(user, "standing", None)
    standing = getattr(standing, "level", standing)
    standing = getattr(standing, "value", standing)
    # The value of accounts' StandingLevel.RESTRICTED: this library imports nothing of accounts.
    return isinstance(standing, str) and standing.lower() == "restricted"


def _reasons(verdict, scores, policy, results):
    out = []
    for category, level in verdict.levels.items():
        review, block = policy.threshold(category)
        limit = block if scores[category] >= block else review
        out.append(f"{category} {scores[category]:.2f} reached {level} threshold {limit:.2f}")
    seen = set(out)
    for result in results:
        for reason in result.reasons:
            if reason not in seen:
                seen.add(reason)
                out.append(reason)
    return tuple(out)


# --- the pipeline: pure stages, each with its own table tests ------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One piece of the request that is screened on its own: the whole prompt, a segment of it (a shot, a
    JSON value, a line) or a decoded reading of it (base64, ROT13, reversed, ...)."""

    kind: str  # "whole", "fields", "json", "shot", "line", "decoded"
    label: str  # "prompt", "shot 2", "$.shots[1].action", "rot13", ...
    text: str

    @property
    def name(self):
        return "prompt" if self.kind == "whole" else f"{self.kind}:{self.label}"


def prepare(prompt, wordlike=None):
    """Stage 1, normalise and decode: the readings of the prompt with one kind of hiding undone (the
    normalised views themselves are built by `analyze`, per part)."""
    if wordlike is None and semantic.enabled():
        wordlike = semantic.wordlike
    return tuple(Part("decoded", name, text) for name, text in decode.decoded_views(prompt, wordlike))


def split(prompt, decoded=()):
    """Stage 2, segment: the whole prompt, its structural segments (JSON values and keys, shots, beats,
    lines) and its decoded readings (each of which is segmented too when it has structure)."""
    parts = [Part("whole", "prompt", prompt)]
    prose = structure.fields_prose(prompt)
    if prose:  # a template's filled slots, read together as the request they make
        parts.append(Part("fields", "values", prose))
    parts += [Part(seg.kind, seg.label, seg.text) for seg in structure.segments(prompt)]
    for part in decoded:
        parts.append(part)
        parts += [Part("decoded", f"{part.label} {seg.label}", seg.text) for seg in structure.segments(part.text)]
    seen, unique = {prompt.strip()}, [parts[0]]
    for part in parts[1:]:
        key = part.text.strip()
        if key and key not in seen:
            seen.add(key)
            unique.append(part)
    return tuple(unique[: structure.MAX_SEGMENTS + 1])


def detect(parts, negative_prompt="", *, has_face_input=False):
    """Stage 3a, the lexicon stack on every part (the negative prompt is read with the whole prompt only; a
    decoded reading knows the prompt as written, so it counts only what decoding revealed)."""
    return tuple(
        analyze(part.text, negative_prompt if part.kind == "whole" else "", has_face_input=has_face_input,
                source=parts[0].text if part.kind == "decoded" else "")
        for part in parts
    )


def _readable(text):
    """Which reader can place the text (a language one of the encoders knows, and enough words), or None."""
    return semantic.reader_for(text) if semantic.long_enough(text) else None


def _tokens(reader, text):
    return semantic.encoder_of(reader).count_tokens(text)


def _semantic_texts(parts, contexts):
    """({text: reader}, {reader: tokens left}): which texts the semantic layer reads, and by which reader, within each reader's token
    budget (one encoder call per reader and prompt): the whole prompt when it fits, else its sentences, those
    holding a lexicon hit first and then the last ones (where buried requests sit); then decoded readings and
    segments while the budget lasts. Only readable texts are considered, so none spends budget the layer would
    then drop."""
    left = {semantic.USE: semantic.MAX_TOKENS, semantic.E5: semantic.E5_MAX_TOKENS}  # tokens per reader
    whole = _prose_of(parts)
    chosen_texts = {}
    reader = _readable(whole)
    cost = _tokens(reader, whole) if reader else 0
    if reader and cost <= left[reader]:
        chosen_texts[whole] = reader
        left[reader] -= cost
    else:
        sentences = [(sentence, its_reader) for sentence in structure.sentences(whole) if _words(sentence) >= 4
                     for its_reader in [_readable(sentence)] if its_reader]
        if not sentences and reader:
            sentences = [(whole, reader)]
        hits = [span.start for result in contexts[0].results for span in result.evidence if span.categories]
        flagged, offset = set(), 0
        for i, (sentence, _) in enumerate(sentences):
            start = whole.find(sentence, offset)
            end = start + len(sentence)
            offset = max(offset, end)
            if any(start <= hit < end for hit in hits):
                flagged.add(i)
        n = len(sentences)
        order = sorted(range(n), key=lambda i: (i not in flagged, i < n - 2, -i))
        chosen, started = [], set()
        for i in order:
            sentence, its_reader = sentences[i]
            tokens = _tokens(its_reader, sentence)
            if tokens > left[its_reader]:
                if its_reader not in started and left[its_reader] > 0:
                    # one very long sentence: as much of it as the budget holds
                    chosen.append((i, semantic.within(sentence, tokens, left[its_reader]), its_reader))
                    left[its_reader] = 0
                continue
            chosen.append((i, sentence, its_reader))
            started.add(its_reader)
            left[its_reader] -= tokens
        for _, text, its_reader in sorted(chosen):
            chosen_texts.setdefault(text, its_reader)
    # Segments and decoded readings: the head reads prose, so a fragment of a few words ("duration: 15s") or
    # the initials of lines only reach it when the lexicon found something there.
    guesses = ("initials", "joined-lines", "keys joined")  # fragments, or one of several guessed fillings
    extra = [(part, its_reader) for part, ctx in zip(parts[1:], contexts[1:], strict=False)
             if ctx.scores or (_words(part.text) >= 5 and part.label not in guesses and not part.label.startswith("unmasked-"))
             for its_reader in [_readable(part.text)] if its_reader]
    extra.sort(key=lambda item: item[0].kind != "decoded")
    for part, its_reader in extra:
        tokens = _tokens(its_reader, part.text) if left[its_reader] > 0 else 0
        if 0 < tokens <= left[its_reader]:
            chosen_texts.setdefault(part.text, its_reader)
            left[its_reader] -= tokens
    return chosen_texts, left


def _words(text):
    return len(text.split())


def understand(parts, contexts):
    """Stage 3b, the semantic layer: the trained head over the encoder's reading of the parts. None when
    the layer is switched off or cannot load (the decision then records that it did not run)."""
    if not semantic.enabled() or semantic.get_encoder() is None or semantic.get_head() is None:
        return None
    if max((score for ctx in contexts for c, score in ctx.scores.items() if c in HARMFUL), default=0.0) >= CERTAIN:
        return None  # the lexicon already blocks with certainty: the encoder's time would change nothing
    chosen, left = _semantic_texts(parts, contexts)
    texts = list(chosen)
    readings = [semantic.reading(text) for text in texts]
    by_text = {part.text: ctx.scores for part, ctx in zip(parts, contexts, strict=False)}
    lexicon = [by_text.get(text) or contexts[0].scores for text in texts]
    look_alikes = _look_alikes(contexts)
    paraphrase = [not _names_any(text, look_alikes) for text in texts]
    # The whole prompt and each decoded reading are read as requests; a sentence, line or shot as a fragment.
    wholes = {_prose_of(parts)} | {part.text for part in parts if part.kind in ("decoded", "fields")}
    fragments = [text not in wholes for text in texts]
    result = semantic.score_texts(readings, lexicon, [chosen[text] for text in texts], paraphrase, fragments)
    if result is not None and settings.SCREENING_SECOND_OPINION:
        result = _second_opinion(result, readings, lexicon, chosen, texts, contexts, paraphrase, fragments,
                                 left[semantic.E5])
    if result is not None:  # name the texts as the user wrote them
        back = dict(zip(readings, texts, strict=False))
        result = dataclasses.replace(result, texts={c: back.get(t, t) for c, t in result.texts.items()})
    return result


def _look_alikes(contexts):
    """The harmless look-alike phrases the lexicon found in any part ("shabu shabu", "बम बम भोले")."""
    return set().union(*(ctx.safe_phrases for ctx in contexts))


LOOK_ALIKE_SHARE = 0.25  # the share of a text's characters its look-alike phrases must cover (_mostly_look_alike)


def _mostly_look_alike(text, phrases):
    """Whether harmless look-alike phrases cover at least LOOK_ALIKE_SHARE of the text (as written or
    normalised): the text is about the look-alike, not merely mentioning it."""
    if not phrases or not text:
        return False
    folded, normalized = text.casefold(), normalize_text(text)
    covered = sum(len(phrase) for phrase in phrases if phrase in folded or phrase in normalized)
    return covered >= LOOK_ALIKE_SHARE * len(text)


def _names_any(text, phrases):
    """Whether the text holds one of the lexicon's harmless look-alike phrases (as written or normalised)."""
    if not phrases:
        return False
    folded, normalized = text.casefold(), normalize_text(text)
    return any(phrase in folded or phrase in normalized for phrase in phrases)


def _second_opinion(result, readings, lexicon, chosen, texts, contexts, paraphrase, fragments, left):
    """Where USE's reading leaves doubt, E5 (the better, slower reader) reads the same text too, and each
    doubted category keeps the higher of the two scores: a category USE only held, or a lexicon signal below
    blocking that USE did not confirm. And where USE alone blocks a likeness (`deepfake`) that nothing else
    calls harmful (no sexual, violent, illegal... signal from the lexicon or the head: a named person doing
    something ordinary), E5 must agree, else it is held: the policy blocks a real person only with an intimate,
    defamatory or deceptive act. Within what is left of E5's token budget (`left`, from _semantic_texts)."""
    if semantic.get_e5() is None or semantic.get_e5_head() is None:
        return result
    read_by_use = [i for i, text in enumerate(texts) if chosen[text] == semantic.USE]
    if not read_by_use:
        return result
    doubtful = []
    for category, score in result.scores.items():
        if result.readers.get(category) == semantic.USE and score < DEFAULT.threshold(category)[1]:
            doubtful.append(readings.index(result.texts[category]))
    if any(score > 0 for c, score in contexts[0].scores.items() if c in HARMFUL):
        doubtful.append(read_by_use[0])
    likeness_alone = _likeness_alone(result, contexts)
    if likeness_alone:
        doubtful.append(readings.index(result.texts["deepfake"]))
    picked = []
    for i in dict.fromkeys(doubtful):
        tokens = _tokens(semantic.E5, readings[i])
        if left <= 0:
            break
        text = semantic.within(readings[i], tokens, left)
        picked.append((text, lexicon[i], paraphrase[i], fragments[i]))
        left -= min(tokens, left)
    if not picked:
        return result
    picked_texts, picked_lexicon, picked_paraphrase, picked_fragments = (
        list(column) for column in zip(*picked, strict=True))
    second = semantic.score_texts(picked_texts, picked_lexicon, [semantic.E5] * len(picked), picked_paraphrase,
                                  picked_fragments)
    if second is None:
        return result
    merged = {field: dict(getattr(result, field)) for field in ("scores", "probabilities", "texts", "readers")}
    block = DEFAULT.threshold("deepfake")[1]
    if likeness_alone and second.scores.get("deepfake", 0.0) < block:
        merged["scores"]["deepfake"] = min(merged["scores"]["deepfake"], block - 0.01)
    # A second opinion settles a doubt someone raised; it raises no category of its own.
    raised = {c for c, score in result.scores.items() if score > 0} | {c for c, score in contexts[0].scores.items() if score > 0}
    for category, score in second.scores.items():
        if category in raised and score > merged["scores"].get(category, 0.0):
            for field in merged:
                merged[field][category] = getattr(second, field)[category]
    return semantic.SemanticResult(**merged)


def _likeness_alone(result, contexts):
    """Whether USE's head blocks `deepfake` on its own say-so: no other harmful category from the lexicon, none
    from the head at review level."""
    deepfake = result.scores.get("deepfake", 0.0)
    if result.readers.get("deepfake") != semantic.USE or deepfake < DEFAULT.threshold("deepfake")[1]:
        return False
    others = [c for c in HARMFUL if c != "deepfake"]
    return not any(contexts[0].scores.get(c, 0.0) > 0 for c in others) and not any(
        result.scores.get(c, 0.0) >= DEFAULT.threshold(c)[0] for c in others)


def combine(parts, contexts, meaning):
    """Stage 4, combine: a violation in any part is a violation of the request. The whole prompt's context
    carries the scores, each category raised to the highest any part or the semantic layer gave it, and
    the composition rules (a minor with any sexual signal; a real person with a sexual, defamatory or
    deceptive one) run again over the combined signals. Returns the context and, per category, which part
    and which layer decided it."""
    ctx = contexts[0]
    # The whole prompt's art framing, before its parts add their tags; not with a minor, nor once it turns sensual.
    framing_cap = art_nudity_cap(ctx, ctx.scores.get("sexual", 0.0))
    if ctx.signals.get("_minor") or "amp_suggestive" in ctx.tags:
        framing_cap = None
    deciders = {category: {"part": "prompt", "layer": "lexicon"} for category, score in ctx.scores.items() if score}
    for part, other in zip(parts[1:], contexts[1:], strict=False):
        raised = {c: v for c, v in other.scores.items() if v > ctx.scores.get(c, 0.0)}
        if raised:
            ctx.merge(DetectorResult(f"part:{part.name}", "1", raised,
                                     tuple(_tag_evidence(other, part)), tuple(_reasons_of(other, part))))
            deciders.update({c: {"part": part.name, "layer": "lexicon"} for c in raised})
        ctx.tags |= other.tags
        for key, value in other.signals.items():
            ctx.signals[key] = max(ctx.signals.get(key, 0.0), value)
    if framing_cap is not None and ctx.scores.get("sexual", 0.0) > framing_cap:
        framing_cap = None  # a shot or a part read nudity that the whole prompt's art framing does not cover
    if meaning is not None and meaning.scores:
        raised = {c: v for c, v in meaning.scores.items() if v > ctx.scores.get(c, 0.0)}
        # Sexualising minors needs both halves, each of them found: a term for a minor (the lexicon) and a
        # sexual signal (the lexicon or the head's sexual reading). The head's sexual_minors reading alone
        # keys on ages and school words, so "a 16-year-old at her first job" must not block on it.
        sexual_seen = (ctx.scores.get("sexual", 0.0) >= 0.15
                       or meaning.scores.get("sexual", 0.0) >= DEFAULT.threshold("sexual")[1]
                       or bool(ctx.tags & MinorSexualRule.EXPLICIT_TAGS))
        if "sexual_minors" in raised and not (ctx.signals.get("_minor") and sexual_seen):
            raised.pop("sexual_minors")
        # Nudity the lexicon read in the whole prompt's art framing is held for review at most (a new nude in
        # Titian's manner), or allowed as existing art on display; the head's sexual reading is held to that cap.
        if framing_cap is not None and "sexual" in raised:
            raised["sexual"] = min(raised["sexual"], framing_cap)
            if raised["sexual"] <= ctx.scores.get("sexual", 0.0):
                raised.pop("sexual")
        # A short text that is mostly a harmless look-alike the lexicon knows ("मंदिर में बम बम भोले का जयकारा", a
        # chant, not a bomb), with no word of the category and nothing in scare quotes: the head's block is doubt
        # about the look-alike, held for a human, not blocked.
        look_alikes = _look_alikes(contexts)
        for category in list(raised):
            text = meaning.texts.get(category, "")
            if (category != "sexual_minors" and "scare_quotes" not in ctx.tags
                    and ctx.scores.get(category, 0.0) <= 0.0 and _mostly_look_alike(text, look_alikes)
                    and raised[category] >= DEFAULT.threshold(category)[1]):
                raised[category] = DEFAULT.threshold(category)[1] - 0.01
        # A sentence picked out of a long prompt is a fragment without its scene ("keep the accident" read as a
        # crash). Alone, with no word of the category anywhere in the request, the head's reading of it holds
        # for a moderator. The whole prompt, a shot or a JSON value the writer marked off, and a decoded
        # reading are parts with their own meaning: there the head blocks on its own.
        whole = _prose_of(parts)
        for category in list(raised):
            text = meaning.texts.get(category, "")
            if (text != whole and _part_of(parts, text) == "sentence"
                    and ctx.scores.get(category, 0.0) < SENTENCE_CORROBORATION):
                raised[category] = min(raised[category], DEFAULT.threshold(category)[1] - 0.01)
                if raised[category] <= ctx.scores.get(category, 0.0):
                    raised.pop(category)
        if raised:
            ctx.merge(DetectorResult("semantic", semantic.version(), raised, (),
                                     tuple(f"{c}: the meaning of the text (semantic layer)" for c in raised)))
            for category in raised:
                text = meaning.texts.get(category, "")
                deciders[category] = {"part": _part_of(parts, text), "layer": "semantic"}
    _compose(ctx, deciders, meaning)
    _weigh_the_act(ctx, deciders)
    return ctx, deciders


ACT_SCORE = 0.85  # as the real-person rule's "a real person in a defamatory situation"


def _weigh_the_act(ctx, deciders):
    """A named real person (a head of state, a celebrity) is held for review by name alone; whether the clip is
    blocked turns on the act: a crime, drugs, degradation, a fake official announcement, intimacy. The lexicon
    knows some of those words in some languages; the act reader (semantic.read_act) reads the prompt with the
    names set aside, in any language E5 knows, and blocks when the act is one the policy blocks."""
    if not semantic.enabled() or "real_named" not in ctx.tags or not ctx.named_spans:
        return
    if ctx.scores.get("deepfake", 0.0) >= DEFAULT.threshold("deepfake")[1]:
        return
    read = semantic.read_act(without_names(ctx.prompt, ctx.named_spans))
    if read is None or read[0] < read[1]:
        return
    ctx.merge(DetectorResult("likeness-act", semantic.version(), {"deepfake": ACT_SCORE}, (), (
        f"deepfake: a named real person shown in a defamatory, deceptive or intimate act (the act read with the "
        f"names set aside, {read[0]:.2f} against {read[1]:.2f})",)))
    deciders["deepfake"] = {"part": "prompt", "layer": "semantic:act"}


def _compose(ctx, deciders, meaning):
    """The composition rules (a minor, or a real person, with a sexual signal) over the combined signals. A
    sexual reading that only the semantic layer gave, and only in its review band, is doubt, not evidence:
    with a minor or a real person it holds the prompt for a human (sexual, review) instead of blocking."""
    review, block = DEFAULT.threshold("sexual")
    sexual = ctx.scores.get("sexual", 0.0)
    doubtful = (meaning is not None and deciders.get("sexual", {}).get("layer") == "semantic" and sexual < block)
    if doubtful:
        ctx.scores["sexual"] = _without_semantic(ctx, "sexual")
    for rule in (MinorSexualRule(), RealPersonRule()):
        result = rule.detect(ctx)
        raised = {c: v for c, v in result.scores.items() if v > ctx.scores.get(c, 0.0)}
        if raised:
            ctx.merge(result)
            deciders.update({c: {"part": "prompt", "layer": f"rule:{rule.name}"} for c in raised})
    if doubtful:
        ctx.scores["sexual"] = max(ctx.scores.get("sexual", 0.0), sexual)
        if ctx.signals.get("_minor") or pictures_a_person(ctx):
            ctx.scores["sexual"] = max(ctx.scores["sexual"], review + 0.1)


def _without_semantic(ctx, category):
    """The category's score as every layer but the semantic one left it, merged in order: a framing that lowered
    the lexicon's reading (nudity in an art framing, a body in a medical one) stays lowered."""
    score = 0.0
    for result in ctx.results:
        if result.name != "semantic" and category in result.scores:
            score = merged_score(score, result.scores[category], result.mode)
    return score


def _prose_of(parts):
    """The whole prompt as the encoder reads it: a JSON prompt as its values joined into prose (the encoder
    reads sentences, not braces and keys), a template's filled slots as theirs, any other prompt as written."""
    values = [part.text for part in parts[1:] if part.kind == "json" and part.label not in ("keys", "keys joined")]
    if values:
        return ". ".join(values)
    return next((part.text for part in parts[1:] if part.kind == "fields"), parts[0].text)


def _part_of(parts, text):
    for part in parts:
        if part.text == text:
            return part.name
    return "sentence"


def _tag_evidence(ctx, part):
    for result in ctx.results:
        for ev in result.evidence:
            if ev.categories:
                yield Evidence(ev.detector, ev.rule, ev.categories, f"{part.name}/{ev.view}", ev.start, ev.end, ev.text)


def _reasons_of(ctx, part):
    for result in ctx.results:
        for reason in result.reasons:
            yield f"{reason} (in {part.name})"


def _read(text, negative_prompt="", *, has_face_input=False):
    """The stages before escalation: prepare, split, detect, understand, combine. (parts, meaning, combined
    context, deciders)."""
    parts = split(text, prepare(text))
    contexts = detect(parts, negative_prompt, has_face_input=has_face_input)
    meaning = understand(parts, contexts)
    ctx, deciders = combine(parts, contexts, meaning)
    return parts, meaning, ctx, deciders


def _read_scene(text):
    """How escalation reads the recent prompts and the current one as one scene: the text's scores through
    the same stages as a prompt."""
    _, _, ctx, _ = _read(text)
    return rounded(ctx.scores)


def screen_prompt(prompt, negative_prompt="", *, user=None, history=(), strict=False, has_face_input=False,
                  policy=None, shadow_policy=None, engines=None, now=None) -> ScreeningDecision:
    """Screen one prompt (and its negative prompt).

    The stages: prepare (normalise and decode) -> split (segments) -> detect (lexicon stack per part) and
    understand (semantic layer) -> combine -> decide (policy) -> escalate (history) -> explain.

    history: the same user's recent prior prompts, newest last (PriorPrompt, dicts with the same keys, or
    strings). strict / a restricted user: the strict policy. has_face_input: the caller saw a face in an
    uploaded image. engines: extra detectors (default: the remote engines configured in settings, none by
    default). policy / shadow_policy: a Policy or a registered name (default from settings)."""
    strict = bool(strict) or user_is_restricted(user)
    active = get_policy(policy or settings.SCREENING_POLICY, strict=strict)
    engines = configured_engines() if engines is None else tuple(engines)

    prompt = prompt or ""
    parts, meaning, ctx, deciders = _read(prompt, negative_prompt, has_face_input=has_face_input)
    failures = []
    if engines:
        for engine in engines:
            try:
                ctx.merge(engine.detect(ctx))
            except RemoteEngineError as exc:
                failures.append({"engine": engine.name, "error": exc.message, "code": exc.code,
                                 "mode": failure_mode()})
        # Remote scores can complete a pattern the local rules look for.
        for rule in (MinorSexualRule(), RealPersonRule()):
            ctx.merge(rule.detect(ctx))

    signal = EscalationSignal()
    alone = decide(rounded(ctx.scores), active).decision
    if history:
        window = timedelta(seconds=settings.SCREENING_ESCALATION_WINDOW_S)
        signal = escalation_signal(prompt, history, scores=ctx.scores, tags=ctx.tags, has_face_input=has_face_input,
                                   now=now, policy=active, window=window,
                                   read=_read_scene if alone != BLOCK else None)  # a block: nothing to add
        if signal:
            ctx.merge(DetectorResult("escalation", "1", signal.scores, (), signal.reasons))
            for category in signal.scores:
                deciders[category] = {"part": "prompt", "layer": "escalation"}

    scores = rounded(ctx.scores)
    verdict = decide(scores, active)
    decision, top, needs_human = verdict.decision, verdict.top_category, verdict.needs_human
    reasons = _reasons(verdict, scores, active, ctx.results)
    remote_unavailable = False
    if failures and failure_mode() == FAIL_CLOSED and decision == ALLOW:
        decision, needs_human, remote_unavailable = REVIEW, True, True
        reasons += ("a remote engine failed and the policy is fail-closed: held for review",)

    shadow = None
    shadow_name = shadow_policy or settings.SCREENING_SHADOW_POLICY
    if shadow_name:
        shadow_policy_obj = get_policy(shadow_name)
        shadow_decision = decide(scores, shadow_policy_obj).decision
        SHADOW.record(active.label, shadow_policy_obj.label, decision, shadow_decision)
        shadow = {"policy": shadow_policy_obj.label, "decision": shadow_decision, "agrees": shadow_decision == decision}

    evidence = [ev for result in ctx.results for ev in result.evidence]
    views_fired = tuple(sorted({ev.view for ev in evidence if ev.categories}))
    escalated = bool(signal) and SEVERITY[alone] < SEVERITY[decision]
    decided_by = deciders.get(top) if top else None
    return ScreeningDecision(
        decision=decision,
        categories=scores,
        reasons=reasons,
        engine=ENGINE,
        engine_version=ENGINE_VERSION,
        policy_version=active.version,
        policy_name=active.name,
        thresholds=dict(active.thresholds),
        engines=(("normalize", NORMALIZE_VERSION), ("decode", DECODE_VERSION)) + tuple(
            dict.fromkeys((result.name.split(":")[0], result.version) for result in ctx.results)
        ),
        raw_scores={result.name: {k: round(v, 3) for k, v in result.scores.items()} for result in ctx.results},
        spans=tuple(ev.as_dict() for ev in evidence),
        views_fired=views_fired,
        needs_human=needs_human,
        top_category=top,
        escalation=signal.as_audit() if signal else None,
        remote_failures=tuple(failures),
        shadow=shadow,
        strict=strict,
        user_message=explain.user_message(decision, top, escalated=escalated, remote_unavailable=remote_unavailable),
        suggestion=explain.suggestion(decision, top, remote_unavailable=remote_unavailable),
        preview=explain.preview_message(decision, top, escalated=escalated),
        parts=tuple(part.name for part in parts),
        decided_by=decided_by,
        semantic=meaning.as_audit() if meaning is not None else None,
    )


def replay(audit, policy=None):
    """Re-apply a policy (default: the recorded thresholds) to the recorded scores of an audit dict."""
    if policy is None:
        thresholds = {cat: (t["review"], t["block"]) for cat, t in audit["thresholds"].items()}
        base = POLICIES.get(audit.get("policy"), DEFAULT)
        policy = Policy(name=base.name, version=audit.get("policy_version", base.version), thresholds=thresholds,
                        always_block=base.always_block, human_review=base.human_review)
    else:
        policy = get_policy(policy)
    return decide(audit["categories"], policy).decision
