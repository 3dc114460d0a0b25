"""Detectors: each one reads the shared `Context` and returns a `DetectorResult` (scores per category in
[0, 1], evidence spans, reasons). They run in order and later ones may read what earlier ones found:

1. lexicon          multilingual terms, phrases and context rules (and the age-in-years rule)
2. injection        override instructions, fake SYSTEM/ADMIN tags, closing-tag tricks
3. negative-prompt  a negative prompt that asks to remove clothes (or holds an injection)
4. framing          euphemism and framing: explicitness and realism amplify; art, medical, cartoon and
                    support framing dampen; a pretext or an obfuscated term is itself a signal
5. minor-sexual     a minor signal with a sexual signal is sexual_minors
6. real-person      a real (named, private or uploaded) person with a sexual, defamatory or deceptive
                    signal is deepfake
Optional remote engines (remote.py) implement the same `detect` interface.

Everything here is pure: text and flags in, scores out.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from generations.moderation.text import lexicon
from generations.moderation.text.matching import build_matchers, segment
from generations.moderation.text.normalize import INVISIBLE, normalize, strip_accents
from generations.moderation.text.policy import CATEGORIES, HARMFUL
from generations.moderation.text.structure import prohibitions, replace_spans

VERSION = "1"


@dataclass(frozen=True)
class Evidence:
    detector: str
    rule: str
    categories: tuple
    view: str
    start: int
    end: int
    text: str

    def as_dict(self):
        return {
            "detector": self.detector,
            "rule": self.rule,
            "categories": list(self.categories),
            "view": self.view,
            "span": [self.start, self.end],
            "text": self.text,
        }


@dataclass(frozen=True)
class DetectorResult:
    name: str
    version: str
    scores: dict
    evidence: tuple = ()
    reasons: tuple = ()
    # "max": merged by maximum with what earlier detectors found; "set": replaces those categories
    # (the framing layer lowers as well as raises).
    mode: str = "max"

    def as_audit(self):
        return {
            "name": self.name,
            "version": self.version,
            "mode": self.mode,
            "scores": {k: round(v, 3) for k, v in self.scores.items()},
            "reasons": list(self.reasons),
        }


@dataclass
class Context:
    prompt: str
    negative_prompt: str = ""
    has_face_input: bool = False
    views: object = None
    tags: set = field(default_factory=set)
    signals: dict = field(default_factory=dict)
    contributions: dict = field(default_factory=dict)  # category -> [(weight, entry, view)]
    evasion_categories: set = field(default_factory=set)
    second_hits: set = field(default_factory=set)  # rows matched twice with different words
    safe_phrases: set = field(default_factory=set)  # harmless look-alikes found ("shabu shabu", "nude lipstick")
    named_spans: list = field(default_factory=list)  # (start, end) of named real people in the prompt as written
    source: str = ""  # for a decoded reading (ROT13, reversed, ...), the prompt as written
    scores: dict = field(default_factory=dict)
    results: list = field(default_factory=list)

    def merge(self, result):
        self.results.append(result)
        for category, score in result.scores.items():
            current = self.scores.get(category, 0.0)
            new = merged_score(current, score, result.mode)
            if result.mode == "set" or new > current:  # a score of 0 adds no category
                self.scores[category] = new

    def score(self, category):
        return self.scores.get(category, 0.0)


def merged_score(current, score, mode):
    """A category's score after one detector's result: clamped to [0, 1], then replacing ("set", a framing that
    lowers) or raising ("max") what earlier detectors left."""
    score = min(1.0, max(0.0, score))
    return score if mode == "set" else max(current, score)


def combine(weights):
    """Noisy-or that trusts the strongest signal fully and each further one at 40 %: two weak hints do not
    add up to one strong term."""
    acc = 1.0
    for i, weight in enumerate(sorted(weights, reverse=True)):
        acc *= 1.0 - (weight if i == 0 else 0.4 * weight)
    return 1.0 - acc


def noisy_or(weights):
    acc = 1.0
    for weight in weights:
        acc *= 1.0 - weight
    return 1.0 - acc


@lru_cache(maxsize=1)
def matchers():
    return build_matchers(lexicon.ENTRIES)


def warm_up():
    """Compile every lexicon bucket now rather than on first use (about a second, once per process), so no
    request pays for a rare bucket. Call at process start where first-request latency matters."""
    for pair in matchers().values():
        for matcher in pair:
            for key in list(matcher._pending):
                matcher.bucket(key)


# --- ages --------------------------------------------------------------------------------------------------

_SPELLED = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
_AGE_PATTERNS = (
    re.compile(r"(?<![\d.,])(\d{1,2})[\s-]*(?:years?|yrs?|yr)[\s-]*olds?\b"),
    re.compile(r"(?<![\d.,])(\d{1,2})[\s-]*(?:yo|y/o|y\.o\.?)(?![a-z])"),
    re.compile(r"\b(?:aged?|ages|age of)\s+(\d{1,2})\b"),
    # a character's canonical age, as fandoms write it: "canon 15", "canon age 14", "canon ages 13 to 15"
    re.compile(r"\b(?:canon|canonically|canonical|kanonisch|canónic[oa]|canonic[oa]|canônic[oa]|canonique)\s+"
               r"(?:ages?\s+|edad\s+|idade\s+|âge\s+|alter\s+)?(\d{1,2})\b(?!\s*mm|-\d+\s*mm)"),
    re.compile(r"\b(" + "|".join(_SPELLED) + r")[\s-]*(?:years?|yr)[\s-]*olds?\b"),
    re.compile(r"\b(?:de|con|tiene|tenía|a|aos|com|di|ha)\s+(\d{1,2})\s*(?:años|anos|añitos|aninhos|ans|anni)\b"),
    re.compile(r"(?<![\d.,])(\d{1,2})\s*(?:años|anos|ans|anni)\s+(?:de edad|de idade|d'âge)"),
    re.compile(r"(?<![\d.,])(\d{1,2})[\s-]*(?:jährig\w*|jahre\s+alt)"),
    re.compile(r"(?<![\d.,])(\d{1,2})[\s-]*(?:летн\w*|лет(?!\w))"),
    re.compile(r"(?<![\d.,])(\d{1,2})\s*(?:岁|歳|살|세)"),
    re.compile(
        r"\b(?:girl|boy|kid|child|daughter|son|niña|niño|fille|garçon|mädchen|junge|ragazza|ragazzo|menina|menino)"
        r"\s*,?\s*(\d{1,2})\b"
    ),
    re.compile(r"\blooks?\s+(?:about\s+|like\s+|barely\s+)?(\d{1,2})\b"),
    re.compile(r"\b(?:of|aged?)\s+(" + "|".join(_SPELLED) + r")\b"),
)
_CJK_YOUNG = re.compile(r"(?:十[一二三四五六七]?|[一二三四五六七八九])\s*[岁歳]")
# "Anna (15)", "Dex (16)": a name with the age in brackets, as news, casting and character sheets write it. Only
# a capitalised word (so only the text as written) and ages 10-17, and not a numbered thing ("Shot (12)") or a
# plural one (a catalogue's counts; names ending in "s" are missed for it).
_NAMED_AGE = re.compile(r"(?<!\w)([^\W\d_][\w'’-]{1,20})\s?\((1[0-7])\)")
_NUMBERED_THINGS = frozenset(
    "shot scene take row item step page part chapter version variant frame clip image photo picture room track level "
    "lesson episode season act beat panel slide figure fig table no nr vol batch seed steps cfg fps round line "
    "question task exercise unit grade class size pack set".split()
)


def find_ages(text):
    """(age, start, end) for every stated age in text."""
    found = []
    for pattern in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            raw = m.group(1)
            age = _SPELLED.get(raw) if not raw.isdigit() else int(raw)
            if age is not None:
                found.append((age, m.start(), m.end()))
    for m in _CJK_YOUNG.finditer(text):
        found.append((12, m.start(), m.end()))
    return found


def find_named_ages(raw):
    """(age, start, end) for every "Name (15)" in the prompt as written (every view of it is case-folded)."""
    return [(int(m.group(2)), m.start(), m.end()) for m in _NAMED_AGE.finditer(raw)
            if m.group(1)[0].isupper() and m.group(1).casefold() not in _NUMBERED_THINGS
            and not m.group(1).endswith("s")]  # "Bras (12)", "Bodysuits (14)": a count of a plural thing


def _split_by_invisible(raw, hit):
    """A raw hit that an invisible character cut out of a longer word ("nudi<ZWSP>branch") is an artifact."""
    before = raw[hit.start - 1] if hit.start > 0 else ""
    after = raw[hit.end] if hit.end < len(raw) else ""
    return (before and ord(before) in INVISIBLE) or (after and ord(after) in INVISIBLE)


def segmented_view(views):
    """Spelled-out runs that merged several words ("n a k e d g i r l") re-spaced into words, as one more view."""
    if not views.joined:
        return ()
    text = views.normalized
    changed = False
    for word in views.joined:
        pieces = segment(word, matchers()["normalized"])
        if pieces:
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ".join(pieces), text, count=1)
            changed = True
    return (("segmented", text),) if changed else ()


# A word cut into syllables with hyphens ("cut-ting my wr-ists", "re-al-is-tic", "be- head- ing"): letters only,
# and at least one piece of one to three letters. Compounds rejoin harmlessly ("close-up" reads "closeup" there too).
_HYPHENATED = re.compile(r"(?<![\w-])[^\W\d_]+(?:- ?[^\W\d_]+)+(?![\w-])")


def unhyphenated_view(views):
    """The normalised text with words cut by hyphens joined again, as one more view (none when no word was cut)."""
    text = views.normalized
    if "-" not in text:
        return ()

    def join(m):
        pieces = re.split(r"- ?", m.group())
        return "".join(pieces) if min(len(piece) for piece in pieces) <= 3 else m.group()

    joined = _HYPHENATED.sub(join, text)
    return (("unhyphenated", joined),) if joined != text else ()


# A word or two put in quotes ("'fireworks'", "'special fireworks'"): the writer is winking at a euphemism.
_SCARE_QUOTES = re.compile(r"(?:^|[\s(])['\"“‘«]([^\W\d_]{3,24}(?: [^\W\d_]{2,24}){0,2})['\"”’»](?=[\s,.;:!?)]|$)")


# --- detectors ---------------------------------------------------------------------------------------------

class Detector:
    name = "detector"
    version = "0"

    def detect(self, ctx):  # pragma: no cover - interface
        raise NotImplementedError


class LexiconDetector(Detector):
    name = "lexicon"
    version = f"{lexicon.VERSION}+{lexicon.fingerprint()}"

    def detect(self, ctx):
        views = self.views(ctx.views)
        found, second, safe_tags, safe_phrases, named = self.collect(views)
        if ctx.source:
            # A decoded reading counts for what the decoding revealed: a scored hit whose words stand in the
            # prompt as written (digits and symbols ROT13 leaves alone, a clause it did not touch) was read
            # there already, outside the context that decoding garbled ("Bắt buộc: 18+", mandatory: 18+).
            source = ctx.source.casefold()
            found = {entry: hit for entry, hit in found.items()
                     if not (entry.scores and hit.text.casefold() in source)}
        ctx.safe_phrases |= safe_phrases
        ctx.named_spans.extend(named)
        counted = list(found.values())
        # A row can depend on context ("au naturel" is not nudity next to "makeup"): drop those first.
        present = set(safe_tags).union(*(hit.entry.tags for hit in counted))
        counted = [hit for hit in counted if not (hit.entry.unless & present)]
        tags = set(safe_tags).union(*(hit.entry.tags for hit in counted))
        second = {entry for entry in second if any(h.entry is entry for h in counted)}

        evidence = []
        contributions = {}
        signals = {}
        for hit in counted:
            entry = hit.entry
            categories = tuple(k for k in entry.scores if not k.startswith("_"))
            for key, weight in entry.scores.items():
                if key.startswith("_"):
                    signals[key] = max(signals.get(key, 0.0), weight)
                else:
                    contributions.setdefault(key, []).append((weight, entry, hit.view))
            evidence.append(Evidence(self.name, entry.label, categories, hit.view, hit.start, hit.end, hit.text))
            if hit.view != "raw" and categories:
                # Found only once the text was unmasked: the writer hid it on purpose.
                ctx.evasion_categories.update(categories)
        ages = [(view, text, found) for view, text in views for found in find_ages(text)]
        ages += [("raw", ctx.prompt, found) for found in find_named_ages(ctx.prompt)]
        for view, text, (age, start, end) in ages:
            if age < 18:
                signals["_minor"] = 1.0
                evidence.append(Evidence(self.name, "stated age under 18", (), view, start, end, text[start:end]))
        if _SCARE_QUOTES.search(ctx.views.raw):
            tags.add("scare_quotes")

        scores, reasons = self.score(contributions, second, tags)
        ctx.tags |= tags
        ctx.second_hits |= second
        for key, value in signals.items():
            ctx.signals[key] = max(ctx.signals.get(key, 0.0), value)
        for category, items in contributions.items():
            ctx.contributions.setdefault(category, []).extend(items)
        return DetectorResult(self.name, self.version, scores, tuple(evidence), tuple(reasons))

    @staticmethod
    def views(views):
        out = views.items() + segmented_view(views) + unhyphenated_view(views)
        if views.translit:
            out += (("translit", views.translit),)
        return out

    @staticmethod
    def collect(views):
        """First hit per row (raw view first), a second hit with other words. A safe phrase hides the hits
        inside its own span ("nude lipstick" hides its "nude"), not the same row elsewhere in that view ("nude
        lipstick, then a naked woman" still finds "naked"). A view where no safe phrase matched has no spans to
        judge by ("naked m o l e rats" reads as a safe phrase only once the letters are joined): there the rows
        a safe phrase hid in another view stay hidden. Also returns where every named real person stands in the
        raw view (which keeps the prompt's offsets), each occurrence, for the act reader (without_names)."""
        found, second, masked, safe_tags, safe_phrases, named = {}, {}, set(), set(), set(), []
        per_view = []
        for view, text in views:
            hits, safe_spans = [], []
            for matcher in matchers()["raw" if view == "raw" else "normalized"]:
                for hit in matcher.scan(text, view):
                    if view == "raw" and _split_by_invisible(text, hit):
                        continue
                    if hit.entry.safe:
                        safe_tags |= hit.entry.tags
                        safe_spans.append((hit.start, hit.end))
                        safe_phrases.add(hit.text.casefold())
                        masked.update(matcher.masked_by(hit, text))
                    else:
                        hits.append(hit)
            per_view.append((hits, safe_spans))
        for (hits, safe_spans), (_, text) in zip(per_view, views, strict=True):
            negated = _negated(hits, text)
            for hit in hits:
                if hit in negated:
                    continue
                if safe_spans:
                    if any(start <= hit.start and hit.end <= end for start, end in safe_spans):
                        continue
                elif hit.entry in masked:
                    continue
                entry = hit.entry
                if hit.view == "raw" and "real_named" in entry.tags:
                    named.append((hit.start, hit.end))
                if entry not in found:
                    found[entry] = hit
                elif entry not in second and hit.view == found[entry].view and hit.text != found[entry].text:
                    second[entry] = hit
        return found, second, safe_tags, safe_phrases, named

    @staticmethod
    def score(contributions, second, tags):
        scores = {}
        reasons = []
        for category, items in contributions.items():
            if category == "injection":
                continue  # the injection detector owns this category
            best = {}
            for weight, entry, _view in items:
                best[entry] = max(best.get(entry, 0.0), weight)
            # Two different words of one row ("stabbed", "blood everywhere") count twice, a third does not.
            weights = list(best.values()) + [best[entry] for entry in best if entry in second]
            scores[category] = combine(weights)
            reasons.append(f"{category}: {max(best, key=best.get).label}")
        for required, category, score, reason in lexicon.COMBINATIONS:
            if all(t in tags for t in required) and score > scores.get(category, 0.0):
                scores[category] = score
                reasons.append(f"{category}: {reason}")
        return scores, reasons


# A harm the writer rules out ("no gore", "without nudity", "nothing explicit", "sin sangre", "无血腥") is not
# asked for; nor is the rest of a list it heads ("no blood, gore or nudity"). Only the harms themselves: a
# garment ruled out ("no bikini", "without a bra") uncovers a body, so clothing, suggestive, undressing and
# body-part rows never count as negated; nor do likeness or injection rows, nor the romanized rows (romaji's
# "no" is a particle: "kodomo no hadaka").
NEGATABLE_CATEGORIES = frozenset({"sexual", "violence", "self_harm", "illegal"})
_NEVER_NEGATED_TAGS = frozenset({"clothing", "suggestive", "undress", "body_part", "romanized"})


def _names_a_harm(entry):
    """A harm, a framing that amplifies one ("nothing realistic", "no close-ups"), or how-to framing ("without a
    tutorial or technical detail")."""
    return (any(tag.startswith("amp_") for tag in entry.tags) or any(c in NEGATABLE_CATEGORIES for c in entry.scores)
            or "instructions" in entry.tags)


def _negatable(entry):
    return _names_a_harm(entry) and not entry.tags & _NEVER_NEGATED_TAGS


# A "Do not:" list also rules out a suggestive tone ("Do not: anything suggestive"); never clothing or undressing,
# where forbidding ("Do not: bra") can ask for less.
_NEVER_FORBIDDEN_TAGS = _NEVER_NEGATED_TAGS - {"suggestive"}


def _forbiddable(entry):
    """What a brief's "Do not:" list rules out: what a negation does, a suggestive tone, and a minor."""
    return (_names_a_harm(entry) or "_minor" in entry.scores) and not entry.tags & _NEVER_FORBIDDEN_TAGS


def _negatable_subject(entry):
    """A minor ruled out of the picture ("no children shown", "without kids") is not in it: negated alone, right
    after the negator, never as part of a list."""
    return "_minor" in entry.scores and not entry.tags & _NEVER_NEGATED_TAGS

_NEGATOR = re.compile(
    r"(?:^|[^\w])(?:no|not|without|zero|avoid|avoiding|never|nothing|none|free of|sin|sans|ohne|kein|keine|keinen|"
    r"senza|niente|sem|bez|без|нет|inget|ingen|ikke|uten|geen|zonder|tanpa|không|không có|ni|nor|ไม่มีการ|ไม่มี|"
    r"(?:don't|do not|doesn't|does not|won't|will not) (?:want|show|include|need|depict)|rien|nada|nichts)"
    r"[\s,:]*(?:any|the|a|an|di|de|d'|von)?\s*"
    r"(?:(?:depiction|depictions|image|images|imagery|shot|shots|scene|scenes|footage|sign|signs|trace|traces) of\s+)?$|(?:无|無|不要|没有|沒有|不含)\s*$",
    re.IGNORECASE,
)
# For a subject, only words of absence: "no children", "without kids"; not "not" ("she is not a child").
_ABSENCE = re.compile(
    r"(?:^|[^\w])(?:no|without|zero|none|free of|sin|sans|ohne|kein|keine|keinen|senza|sem|bez|без|geen|zonder|"
    r"tanpa|inga|ingen|uten)[\s,:]*(?:any|the)?\s*$|(?:无|無|没有|沒有|不含)\s*$",
    re.IGNORECASE,
)
_LIST_GLUE = re.compile(
    r"^[\s,/&+;、，]*(?:(?P<conj>or|and|nor|o|y|e|u|et|ou|und|oder|ni|или|и|i|lub|ve|dan|atau|hoặc|và)[\s,]*)?$",
    re.IGNORECASE,
)
_KOI = re.compile(r"(?:^|[^\w])koi\s+(?:bhi\s+)?$", re.IGNORECASE)
_NAHI = re.compile(r"(?:\s*[^\W\d_]+){0,3}?\s+(?:bilkul\s+|zara\s+bhi\s+)?(?:nahi|nahin|nahee|nhi|na)\b", re.IGNORECASE)
_NEGATION_LOOKBACK = 40  # characters before a hit searched for the negator
# Japanese and Korean put the negation after the noun: "グロ描写なし" (no gore shown), "절단 장면 없음".
_AFTER_NEGATION = re.compile(r"^\s*(?:描写|シーン|場面|画面|表現|장면|묘사|표현|화면)?\s*(?:は|은|는)?\s*(?:なし|無し|ナシ|不要|없음|없이|없는|없습니다)")


def _negated(hits, text):
    """The hits a negation rules out: a harm right after a negator, and the harms listed after it up to the
    last one a conjunction joins ("no blood, gore or nudity"). A comma alone does not carry it: in "nothing
    explicit, blood everywhere" the comma starts another phrase."""
    out = set()
    ordered = sorted(hits, key=lambda h: (h.start, -h.end))
    forbidden = prohibitions(text)
    if forbidden:  # the items of a brief's "Do not:" list
        out.update(hit for hit in ordered if _forbiddable(hit.entry)
                   and any(start <= hit.start and hit.end <= end for start, end in forbidden))
    for i, hit in enumerate(ordered):
        if hit in out:
            continue
        if not _negatable(hit.entry):
            if _negatable_subject(hit.entry) and _ABSENCE.search(text[max(0, hit.start - _NEGATION_LOOKBACK): hit.start]):
                out.add(hit)
            continue
        if not _NEGATOR.search(text[max(0, hit.start - _NEGATION_LOOKBACK): hit.start]):
            if _KOI.search(text[max(0, hit.start - 12): hit.start]) and _NAHI.match(text[hit.end: hit.end + 40]):
                out.add(hit)  # Hindi and Urdu close the negation after the word: "koi graphic shot nahi"
            elif _AFTER_NEGATION.match(text[hit.end: hit.end + 12]):
                out.add(hit)
            continue
        group, end, item, cut = [(hit, 0)], hit.end, 0, 0  # (hit, which item of the list it is)
        for other in ordered[i + 1:]:
            if other.start < end:  # another row on the same words: the same item
                if _negatable(other.entry):
                    group.append((other, item))
                continue
            glue = _LIST_GLUE.match(text[end: other.start])
            if not glue or not _negatable(other.entry):
                break
            item += 1
            group.append((other, item))
            end = other.end
            if glue.group("conj"):
                cut = item
        out.update(member for member, at in group if at <= cut)
    return out


_INJECTION_PATTERNS = (
    (
        re.compile(
            r"(?:^|[\n\r]|[\[<{(#*|]\s*)\s*(?:system|admin|administrator|developer|root|assistant|moderator|operator|"
            r"sudo|superuser)(?:\s+(?:prompt|message|note|override|mode|instructions?|notice|command))?\s*"
            r"(?:[:\]>}|)]|-{2,}>)",
            re.IGNORECASE,
        ),
        0.45,
        "fake system or admin tag",
    ),
    (re.compile(r"<\|\s*[a-z_]+\s*\|>|<<\s*/?sys\s*>>|\[/?inst\]|<\|?endoftext\|?>", re.IGNORECASE), 0.7,
     "model control token"),
    (
        re.compile(
            r"</\s*(?:prompt|user|user_input|input|instructions?|system|query|context|rules|policy|content|message|"
            r"human|assistant|request)\s*>",
            re.IGNORECASE,
        ),
        0.55,
        "closing-tag trick",
    ),
    (
        re.compile(
            r"(?:^|\n)\s*(?:-{3,}|={3,}|#{2,}|\*{3,})\s*(?:end|new|begin|system|admin|override)\b"
            r"|\bend of (?:the )?(?:prompt|user input|input|instructions|user message)\b",
            re.IGNORECASE,
        ),
        0.5,
        "fake prompt boundary",
    ),
    (re.compile(r"[\"']role[\"']\s*:\s*[\"'](?:system|developer|admin)[\"']", re.IGNORECASE), 0.6, "fake role field"),
)


def injection_signals(views):
    """(weight, label, view, start, end, text) for each structural injection pattern found."""
    out = []
    for view, text in views.items():
        for pattern, weight, label in _INJECTION_PATTERNS:
            m = pattern.search(text)
            if m:
                out.append((weight, label, view, m.start(), m.end(), m.group()))
    return out


class InjectionDetector(Detector):
    name = "injection"
    version = "1"

    def detect(self, ctx):
        weights = {}
        evidence = []
        for weight, entry, _view in ctx.contributions.get("injection", ()):
            weights[entry.label] = max(weights.get(entry.label, 0.0), weight)
        for entry in ctx.second_hits:
            if "injection" in entry.scores:
                weights[entry.label + " (again)"] = entry.scores["injection"]
        for weight, label, view, start, end, text in injection_signals(ctx.views):
            if weight > weights.get(label, 0.0):
                weights[label] = weight
            evidence.append(Evidence(self.name, label, ("injection",), view, start, end, text))
        if not weights:
            return DetectorResult(self.name, self.version, {})
        score = noisy_or(weights.values())
        reasons = tuple(f"injection: {label}" for label in sorted(weights, key=weights.get, reverse=True))
        return DetectorResult(self.name, self.version, {"injection": score}, tuple(evidence), reasons)


# A garment named with its flaw ("wrinkled clothes", "dirty shirt") is a wish about the garment, not its removal.
_GARMENT_FLAW = r"(?<!wrinkled )(?<!dirty )(?<!messy )(?<!stained )(?<!torn )(?<!baggy )(?<!ugly )(?<!cheap )"
_NEGATIVE_CLOTHING = re.compile(
    _GARMENT_FLAW + r"\b(?:clothes|clothing|clothed|dressed|dress|shirt|shirts|top|tops|pants|trousers|underwear|bra|bras|panties|"
    r"bikini|swimsuit|swimwear|lingerie|covered|covering|modest|modesty|censored|censorship|censor|censoring|mosaic|"
    r"blurred genitals|blurry genitals|blur censor|bar censor|pixelated genitals|pixelation|towel|"
    r"ropa|vêtements|kleidung|vestiti|roupa|одежд\w*|衣服|服|옷)\b"
)
# What covers a body, by kind, in the negative prompt: several kinds (clothes and a towel, or clothes and the
# censoring) are a deliberate uncovering; one word alone may be an ordinary wish ("no towel logo").
_NEGATIVE_COVERS = re.compile(
    _GARMENT_FLAW + r"\b(?:clothes|clothing|clothed|outfit|garments?|underwear|bra|bras|panties|bikini|swimsuit|swimwear|"
    r"lingerie|towels?|robe|bathrobe|drape|drapery|sheets?|bed ?sheets?|blanket|covered|covering|covers|"
    r"ropa|toallas?|traje de baño|ba[ñn]ador|biqu[ií]ni|s[áa]bana|vêtements|serviette|maillot|drap|kleidung|"
    r"handtuch|unterwäsche|badeanzug|vestiti|asciugamano|costume|lenzuol\w*|roupas?|toalha|len[çc]ol|"
    r"ubrani\w*|bielizn\w*|ręcznik|pakaian|handuk|kıyafet|havlu|peştemal|çamaşır|quần áo|одежд\w*|бель[её]|"
    r"полотенц\w*|купальник|простын\w*)\b"
    r"|衣服|衣物|内衣|浴巾|下着|シーツ|タオル|水着|옷|속옷|수건|수영복|कपड़े"
)
_NEGATIVE_CENSOR = re.compile(
    r"\b(?:censor\w*|mosaic|pixelat\w*|pixeliza\w*|censura|censure|zensur|zensiert|cenzur\w*|sansür\w*|sensor|"
    r"цензур\w*|covered nipples|nipple covers?|pasties)\b|検閲|モザイク|모자이크|검열|马赛克|审查|打码"
)
# Asking the model to avoid what keeps a scene safe for work uncovers the category it protects.
_NEGATIVE_SFW = re.compile(
    r"\b(?:sfw|safe for work|family[- ]friendly|kid[- ]friendly|pg|pg-13|modest|modesty|decent|tasteful|"
    r"non-explicit|censor bars?|coverage|covered up|apto|contenido apto|jugendfrei|conteúdo seguro|"
    r"güvenli içerik|tous publics)\b|健全|全年龄"
)
# Avoiding the softening of a harmful scene (the cutaway, the fade, the bloodless or stylised version) asks for
# it shown in full.
_NEGATIVE_SOFTENING = re.compile(
    r"\b(?:cutaway|cut away|cut to black|fade to black|fade out|fades out|off-?screen|implied|implied violence|"
    r"no blood|bloodless|stylis\w*|styliz\w*|cartoonish|sin sangre|sin heridas|fundido a negro|corte de escena|"
    r"violencia implícita|sans sang|fondu au noir|ohne blut|abblende|без крови|затемнение|cut edits|"
    r"sem sangue|senza sangue|abgedeckte? leichen|covered bodies|corte antes do impacto|coupe avant l'impact)\b"
    r"|暗転|컷 전환|无血"
)
_NEGATIVE_ADULT = re.compile(
    r"\b(?:adult|adults|mature|grown-up|grown up|old (?:man|woman|face|age)|older|aged|wrinkles|wrinkled skin|"
    r"elderly|adult features|adult body|"
    r"adult proportions|beard|stubble|over 18|18\+|adulto|adulte|erwachsen\w*|взросл\w*|成人|大人|성인)\b"
)
# Asking the model to avoid what keeps a scene safe for work uncovers the category it protects.
_NEGATIVE_SFW = re.compile(
    r"\b(?:sfw|safe for work|family[- ]friendly|kid[- ]friendly|pg|pg-13|modest|modesty|decent|tasteful|"
    r"censor bars?|coverage|covered up)\b"
)
# Avoiding the rescue, the survival or the safety gear of someone in danger asks for the harm.
_NEGATIVE_RESCUE = re.compile(
    r"\b(?:rescue|rescued|rescuers?|saved|survives?|survival|survivors?|alive|breathing|help arriving|"
    r"help arrives|paramedics?|ambulance|lifeguards?|happy ending|recovery|intervention|safety net|harness|"
    r"safety rope|parachute|stunt double|fake blood|props?|cgi|stuntman|crash mat|airbags?|airbags deployed|"
    r"hesitation|stepping back|someone stopping|pulling (?:him|her|them) back|hotline|being found|"
    r"family arriving|opening the door|call for help|appel à l'aide|secours|survie|sobrevive\w*|"
    r"überleb\w*|выжива\w*|спасени\w*|intact bodies|"
    r"unversehrt\w*|sobreviviente\w*|sobrevivente\w*|sopravvissut\w*|survivant\w*|"
    r"rescate|sauvetage|rettung|salvataggio|resgate|спасение)\b|救援|救助|구조|생존|망설임"
)
# Avoiding vagueness in a how-to asks for the exact steps.
_NEGATIVE_VAGUE = re.compile(
    r"\b(?:vague|skipped steps|missing (?:steps|quantities|amounts|measurements|ingredients|parts)|"
    r"incomplete (?:process|steps|instructions|recipe)|blurred (?:labels|steps|instructions|measurements)|"
    r"fictional (?:chemicals|ingredients|substances)|fake (?:chemicals|ingredients)|inaccurate (?:steps|chemistry))\b"
)
# Someone in the scene: the uncovering is of a person.
_PERSON = re.compile(
    r"\b(?:woman|women|man|men|girl|girls|boy|couple|adults?|model|person|people|she|he|her|him|lady|guy|body|"
    r"actress|actor|singer|idol|mujer|hombre|pareja|modelo|femme|homme|couple|frau|mann|paar|donna|uomo|coppia|"
    r"mulher|homem|casal|kobieta|mężczyzna|kadın|erkek|wanita|pria|женщин\w*|мужчин\w*|девушк\w*|пар\w|"
    r"classmate|coworker|co-worker|colleague|friend|wife|girlfriend|boyfriend|husband|neighbou?r|sister|teacher|"
    r"boss|ex|photo of|picture of|pic of|selfie|uploaded photo|celebrity|famous|star|influencer|streamer|"
    r"schauspieler\w*|sänger\w*|actriz|attrice|atriz|актрис\w*|актер\w*|idol|model)\b"
    r"|女性|男性|女の子|女人|男人|여성|남성|여자|남자"
)


_HOWTO_TAGS = frozenset({"drug", "explosive", "weapon_build", "cbrn", "crime", "synth", "instructions"})


class NegativePromptDetector(Detector):
    """A negative prompt is what the model should avoid. Harmful words there are fine ("nudity, gore"); asking
    it to avoid clothes, censoring or adulthood is asking for the opposite, and an injection is an injection."""

    name = "negative-prompt"
    version = "3"

    def detect(self, ctx):
        if not ctx.negative_prompt or not ctx.negative_prompt.strip():
            return DetectorResult(self.name, self.version, {})
        views = normalize(ctx.negative_prompt)
        scores = {}
        evidence = []
        reasons = []
        text = views.normalized
        # Word lists with accents and other scripts read the text as typed (lower case); the rest the folded view.
        both = f"{views.raw}\n{text}"
        covers = {strip_accents(m.group()) for m in _NEGATIVE_COVERS.finditer(both)}
        censoring = {strip_accents(m.group()) for regex in (_NEGATIVE_CENSOR, _NEGATIVE_SFW) for m in regex.finditer(both)}
        person = bool(_PERSON.search(f"{ctx.views.raw}\n{ctx.views.normalized}"))
        rescues = list(_NEGATIVE_RESCUE.finditer(views.raw)) or list(_NEGATIVE_RESCUE.finditer(text))
        softening = list(_NEGATIVE_SOFTENING.finditer(views.raw)) or list(_NEGATIVE_SOFTENING.finditer(text))
        # Censoring belongs to the harm the negative prompt is about: nudity, unless it avoids a rescue or a
        # softening of violence and no covering of a body.
        clothing = list(_NEGATIVE_CLOTHING.finditer(text)) + list(_NEGATIVE_SFW.finditer(text))
        if not covers and (rescues or softening):
            clothing = []
        base = ctx.score("sexual")
        # Uncovering on purpose: two kinds of cover, or a cover and the censoring.
        deliberate = len(covers) >= 2 or bool(covers and censoring)
        if (clothing or covers) and (person or base >= 0.3 or deliberate):
            score = 0.55 if base < 0.3 else min(1.0, max(0.75, base + 0.25))
            if deliberate and (person or base >= 0.3):
                score = max(score, 0.8)
            scores["sexual"] = score
            reasons.append("sexual: negative prompt removes clothing, censoring or safe-for-work"
                           + (" (several coverings of a person)" if deliberate else ""))
            for m in (clothing or list(_NEGATIVE_COVERS.finditer(views.raw)))[:3]:
                evidence.append(Evidence(self.name, "clothing or censoring in negative prompt", ("sexual",),
                                         "negative", m.start(), m.end(), m.group()))
        if ctx.score("sexual") >= 0.3 or scores.get("sexual", 0.0) >= 0.8:
            adult = _NEGATIVE_ADULT.search(text)
            if adult:
                ctx.signals["_minor"] = max(ctx.signals.get("_minor", 0.0), 0.6)
                reasons.append("minor signal: negative prompt removes adult features")
                evidence.append(Evidence(self.name, "adulthood in negative prompt", (), "negative",
                                         adult.start(), adult.end(), adult.group()))
        if rescues or (softening and (censoring or len(softening) >= 2)):
            harmed = [c for c in ("self_harm", "violence") if ctx.score(c) >= 0.15]
            # Several rescues, or the rescue with the softening, avoided together: the harm is the point.
            deliberate = (len({m.group() for m in rescues}) >= 2 or bool(rescues and softening) or len(softening) >= 2
                          or bool(softening and censoring and not covers))
            for category in harmed or ["violence"]:
                base = ctx.score(category)
                if harmed:
                    scores[category] = min(1.0, max(0.75, base + 0.35))
                else:
                    scores[category] = 0.76 if deliberate else 0.45
            first = (rescues or softening)[0]
            reasons.append(f"{(harmed or ['violence'])[0]}: negative prompt removes the rescue, the safety or the "
                           "softening")
            evidence.append(Evidence(self.name, "rescue, safety or softening in negative prompt",
                                     tuple(harmed or ["violence"]), "negative", first.start(), first.end(),
                                     first.group()))
        vague = _NEGATIVE_VAGUE.search(text)
        if vague:
            scores["illegal"] = max(scores.get("illegal", 0.0),
                                    0.8 if ctx.score("illegal") >= 0.2 or ctx.tags & _HOWTO_TAGS else 0.45)
            reasons.append("illegal: negative prompt removes the vagueness of a how-to")
            evidence.append(Evidence(self.name, "exactness asked for in negative prompt", ("illegal",), "negative",
                                     vague.start(), vague.end(), vague.group()))
        injection = [w for w, *_ in injection_signals(views)]
        for hit_view, text in views.items():
            for hit in matchers()["raw" if hit_view == "raw" else "normalized"][0].scan(text, hit_view):
                weight = hit.entry.scores.get("injection")
                if weight and not hit.entry.safe:
                    injection.append(weight)
        if injection:
            scores["injection"] = noisy_or(injection)
            reasons.append("injection: in the negative prompt")
        return DetectorResult(self.name, self.version, scores, tuple(evidence), tuple(reasons))


@dataclass(frozen=True)
class FramingWeights:
    """Every number FramingDetector works with (scores are 0–1). Bonuses are added to a category's score,
    caps lower it to a level that is held for review rather than blocked, dampings subtract."""

    # Framings that make harmful content worse, and what each adds (summed, then capped by max_bonus).
    amplifiers: tuple[tuple[str, float], ...] = (
        ("amp_explicit", 0.25),
        ("amp_show_all", 0.25),
        ("amp_realism", 0.1),
        ("amp_photo", 0.05),
        ("amp_detail", 0.1),
        ("evasion_frame", 0.1),
    )
    # Sexual, violence and self-harm are amplified only once they score at least this.
    amplify_from: float = 0.3
    # Added when a term of the category is written to evade the filter (also for illegal and deepfake).
    evasion_bonus: float = 0.1
    # Added to sexual in a suggestive framing.
    suggestive_bonus: float = 0.15
    # The most framing adds to one category.
    max_bonus: float = 0.3
    # Illegal and deepfake get the evasion bonus once they score at least this.
    evasion_from: float = 0.3
    # Art and medical framings apply to sexual scores from this on.
    context_from: float = 0.3
    # Explicitness asked for with no subject the lexicon knows ("the couple actually doing it, nothing hidden"):
    # the sexual score it holds at (review, not block).
    explicit_alone: float = 0.45
    # Nudity of existing art on display (a statue in a museum): scores above this are lowered to it (allowed).
    museum_art_cap: float = 0.35
    # Nudity in an art framing: held for review at most.
    art_cap: float = 0.58
    # A body in a medical framing: held for review at most.
    medical_cap: float = 0.5
    # Subtracted from violence in a non-graphic framing (cartoon, no blood, choreographed).
    violence_damping: float = 0.3
    # Historical or distant violence without gore: held for review at most.
    distant_violence_cap: float = 0.6
    # Subtracted from self-harm in a support or prevention framing.
    self_harm_damping: float = 0.35
    # An injection score from which harmful categories requested alongside it are raised.
    injection_from: float = 0.4
    # Harmful categories scoring at least this are raised by injection_bonus next to an injection attempt.
    injection_harmful_from: float = 0.2
    injection_bonus: float = 0.15


FRAMING = FramingWeights()


def _framed_nudity(ctx, sexual, frame_tag):
    """Whether a sexual reading sits in the framing `frame_tag` names and is not explicit (the guard shared by
    the art and the medical cap)."""
    explicit = "sex_explicit" in ctx.tags or any(
        "sex_explicit" in entry.tags for _, entry, _ in ctx.contributions.get("sexual", ()))
    return sexual >= FRAMING.context_from and frame_tag in ctx.tags and not explicit


def medical_body_cap(ctx, sexual):
    """The highest sexual score a body in a medical framing may reach (an anatomy lesson, a self-exam), or None:
    not when the request is explicit, asks for detail, realism or a photograph."""
    w, tags = FRAMING, ctx.tags
    if not _framed_nudity(ctx, sexual, "medical_ctx"):
        return None
    if tags & {"amp_explicit", "amp_show_all", "amp_detail", "amp_realism", "amp_photo"}:
        return None
    return w.medical_cap


def art_nudity_cap(ctx, sexual):
    """The highest sexual score nudity in an art framing may reach, or None when the framing does not apply:
    existing art on display (a statue in a museum) is allowed, a new nude in an artistic manner is held for
    review. Not when the nudity is explicit, everything is shown, or it is made a photograph of a person (a
    photographed statue is still a statue). The combine stage applies the same cap to the semantic layer's
    sexual reading, so a head that reads "nude" cannot block what the policy holds for a human."""
    w, tags = FRAMING, ctx.tags
    if not _framed_nudity(ctx, sexual, "art_ctx"):
        return None
    if tags & {"amp_explicit", "amp_show_all"} or ("amp_photo" in tags and "art_object" not in tags):
        return None
    if tags & PERSON_TAGS:
        return None  # a real person made nude is not art nudity, whatever the frame ("it's art history")
    if "museum_ctx" in tags and tags & {"art_object", "artwork"} and "new_art" not in tags:
        return w.museum_art_cap
    return w.art_cap


class FramingDetector(Detector):
    """The euphemism and framing layer: the same subject reads differently wrapped in explicitness, realism,
    art, medicine, cartoons or support; an obfuscated term or a pretext shows intent. Its numbers: FRAMING."""

    name = "framing"
    version = "1"
    weights = FRAMING

    def detect(self, ctx):
        w = self.weights
        tags = ctx.tags
        scores = {}
        reasons = []
        for category in ("sexual", "violence", "self_harm"):
            score = ctx.score(category)
            if score < w.amplify_from:
                continue
            # A framing amplifies other evidence, not itself: "18+" alone scores as adult content and also frames
            # ("doelgroep 18+" on a drugs-education film), so its tag adds nothing when only rows carrying it score.
            own = [entry.tags for _, entry, _ in ctx.contributions.get(category, ())]
            amp = sum(bonus for tag, bonus in w.amplifiers
                      if tag in tags and not (own and all(tag in entry_tags for entry_tags in own)))
            bonus = amp + (w.evasion_bonus if category in ctx.evasion_categories else 0.0)
            if category == "sexual" and "amp_suggestive" in tags and not (
                    own and all("amp_suggestive" in entry_tags for entry_tags in own)):
                bonus += w.suggestive_bonus
            bonus = min(bonus, w.max_bonus)
            if bonus:
                scores[category] = min(1.0, score + bonus)
                reasons.append(f"{category}: amplified by framing (+{bonus:.2f})")
        # In a video generator, "fully explicit", "uncensored", "nothing hidden" with no subject named is almost always
        # a request for sex the writer did not spell out (20 of 25 such rows in the corpora were blocked as sexual,
        # 2 held). Held for a human, not blocked; not with a minor or a real person (their rules decide those).
        if (tags & {"amp_explicit", "amp_show_all"} and not ctx.signals.get("_minor") and not pictures_a_person(ctx)
                and not any(ctx.score(c) >= w.amplify_from for c in ("sexual", "violence", "self_harm"))):
            scores["sexual"] = max(ctx.score("sexual"), w.explicit_alone)
            reasons.append("sexual: explicitness asked for with no subject named is held for review")
        for category in ("illegal", "deepfake"):
            if category in ctx.evasion_categories and ctx.score(category) >= w.evasion_from:
                scores[category] = min(1.0, ctx.score(category) + w.evasion_bonus)
                reasons.append(f"{category}: term written to evade the filter")

        sexual = scores.get("sexual", ctx.score("sexual"))
        cap = art_nudity_cap(ctx, sexual)
        if cap is not None and sexual > cap:
            scores["sexual"] = sexual = cap
            reasons.append("sexual: nudity of existing art on display" if cap == w.museum_art_cap
                           else "sexual: nudity in an art framing is held for review, not blocked")
        if medical_body_cap(ctx, sexual) is not None and sexual > w.medical_cap:
            scores["sexual"] = w.medical_cap
            reasons.append("sexual: body in a medical framing is held for review, not blocked")

        violence = scores.get("violence", ctx.score("violence"))
        if violence > 0 and "damp_violence" in tags:
            scores["violence"] = violence = max(0.0, violence - w.violence_damping)
            reasons.append("violence: non-graphic framing (cartoon, no blood, choreographed)")
        if violence > w.distant_violence_cap and "distance_ctx" in tags and "gore" not in tags and not tags & {
            "amp_explicit", "amp_detail", "amp_show_all"
        }:
            scores["violence"] = w.distant_violence_cap
            reasons.append("violence: historical or distant violence is held for review, not blocked")

        self_harm = scores.get("self_harm", ctx.score("self_harm"))
        if self_harm > 0 and "damp_selfharm" in tags and not tags & {"method", "instructions", "concealment"}:
            scores["self_harm"] = max(0.0, self_harm - w.self_harm_damping)
            reasons.append("self_harm: support or prevention framing")

        if ctx.score("injection") >= w.injection_from:
            for category in HARMFUL:
                score = scores.get(category, ctx.score(category))
                if score >= w.injection_harmful_from:
                    scores[category] = min(1.0, score + w.injection_bonus)
                    reasons.append(f"{category}: requested alongside an attempt to bypass moderation")
        evidence = ()
        return DetectorResult(self.name, self.version, scores, evidence, tuple(reasons), mode="set")


class MinorSexualRule(Detector):
    """Zero tolerance: a term for a minor of any form ("a minor", "underage", "13yo", "schoolgirl") with any
    sexual signal blocks. A weaker minor hint (teen, daughter, school uniform) blocks with a clear sexual
    signal and is held with a faint one."""

    name = "minor-sexual"
    version = "2"
    EXPLICIT_TAGS = frozenset({"amp_explicit", "amp_show_all", "amp_suggestive", "sex_explicit"})

    def detect(self, ctx):
        minor = ctx.signals.get("_minor", 0.0)
        if not minor:
            return DetectorResult(self.name, self.version, {})
        sexual = ctx.score("sexual")
        explicit = bool(ctx.tags & self.EXPLICIT_TAGS)
        if minor >= 1.0 and (sexual >= 0.15 or explicit):
            return DetectorResult(self.name, self.version, {"sexual_minors": 0.97}, (),
                                  ("sexual_minors: a term for a minor together with a sexual signal",))
        if sexual >= 0.45 or (minor >= 1.0 and sexual >= 0.3) or (explicit and sexual >= 0.3):
            return DetectorResult(self.name, self.version, {"sexual_minors": 0.9}, (),
                                  ("sexual_minors: a possible minor together with a sexual signal",))
        if sexual > 0 or explicit:
            return DetectorResult(
                self.name, self.version, {"sexual_minors": 0.3, "sexual": max(sexual, 0.5)}, (),
                ("sexual: a possible minor with a faint sexual signal is held for review",),
            )
        return DetectorResult(self.name, self.version, {})


class RealPersonRule(Detector):
    name = "real-person"
    version = "1"

    def detect(self, ctx):
        tags = ctx.tags
        named = "real_named" in tags
        private = "private_person" in tags
        # A face the studio actually detected in an input is a real person as surely as a name is.
        face = ctx.has_face_input
        photo = "photo_source" in tags or face
        generic = "real_generic" in tags
        swap = "face_swap" in tags
        person = named or private or photo
        sexual = ctx.score("sexual")
        rules = []
        if sexual >= 0.3 and (person or generic or swap):
            rules.append((0.96, "a real person in sexual content"))
        if ctx.score("violence") >= 0.4 and (named or private):
            rules.append((0.8, "a real person in violent content"))
        if "defamatory" in tags:
            if named or private or face:
                rules.append((0.85, "a real person in a defamatory situation"))
            elif photo:
                rules.append((0.6, "a pictured person in a defamatory situation"))
            elif generic:
                rules.append((0.45, "an unnamed famous person in a defamatory situation"))
        if "deceptive" in tags:
            if named or face:
                rules.append((0.82, "a real person in deceptive footage"))
            elif private or photo:
                rules.append((0.6, "a private person in deceptive footage"))
            elif generic:
                rules.append((0.45, "an unnamed famous person in deceptive footage"))
        if swap and private and "other_body" in tags:
            rules.append((0.85, "a private person's face put on someone else's body"))
        elif swap and (person or generic):
            rules.append((0.6, "a face swap of a real person"))
        if not rules:
            return DetectorResult(self.name, self.version, {})
        score, reason = max(rules)
        return DetectorResult(self.name, self.version, {"deepfake": score}, (), (f"deepfake: {reason}",))


LOCAL_DETECTORS = (
    LexiconDetector(),
    InjectionDetector(),
    NegativePromptDetector(),
    FramingDetector(),
    MinorSexualRule(),
    RealPersonRule(),
)


def analyze(prompt, negative_prompt="", *, has_face_input=False, engines=(), source=""):
    """Run the local detectors (then any extra engines) and return the filled Context. `source` is the prompt as
    written when `prompt` is a decoded reading of it."""
    ctx = Context(prompt=prompt or "", negative_prompt=negative_prompt or "", has_face_input=has_face_input,
                  source=source)
    ctx.views = normalize(ctx.prompt)
    for detector in LOCAL_DETECTORS:
        ctx.merge(detector.detect(ctx))
    for engine in engines:
        ctx.merge(engine.detect(ctx))
    return ctx


PERSON_TAGS = frozenset({"real_named", "private_person", "photo_source", "real_generic"})


def pictures_a_person(ctx):
    """Whether the request is about a real person: a face detected in an input, or a name, a private person,
    a photo of someone or a famous person referred to generically."""
    return bool(ctx.has_face_input or ctx.tags & PERSON_TAGS)


NAME_STAND_IN = "the person"


def without_names(prompt, spans):
    """The prompt with each named real person replaced by a neutral stand-in: what remains is the act. Whether
    a likeness is defamatory or deceptive is a question about what the person is shown doing, and a reader
    that saw the names would learn who is usually in trouble instead. `spans` are every occurrence the lexicon
    matched in the raw view (LexiconDetector.collect), so nothing inside another word ("trumpet") is replaced."""
    return replace_spans(prompt, spans, NAME_STAND_IN)


def rounded(scores):
    return {category: round(scores.get(category, 0.0), 3) for category in CATEGORIES}
