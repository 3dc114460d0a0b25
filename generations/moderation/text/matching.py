"""The lexicon matcher: a small pattern language compiled into one regex per two-letter word start.

Pattern language (lower case):
- letters are literal, and are folded like the text of the view they run on (accents, look-alikes);
- a space matches any run of spaces, hyphens, underscores, slashes or dots, or nothing ("self harm" finds
  "self-harm" and "selfharm");
- `~` is a gap of up to four words ("cut ~ wrists" finds "cutting her wrists");
- `*` after letters is any word ending ("dismember*");
- `(a|b)`, `?` and `[...]` mean what they mean in a regex; `#` is a one- or two-digit number.
A pattern must start with two literal letters or digits and ends at a word boundary unless it ends in `*`.
Patterns written in Chinese, Japanese or Korean are plain strings matched anywhere (those scripts have no
spaces between words).

Matching: at every word start the bucket for its first two letters is tried; alternatives are ordered safe
phrases first, then longest first, and a match hides the words it covers from shorter matches. So "chicken
breast" (safe) hides "breast", and "sex on the beach" hides "sex"; a match that reaches further than the one
covering its first word still counts ("being beaten" does not hide "beaten ... to death").
"""

import re
import threading
from dataclasses import dataclass, field

from generations.moderation.text.normalize import fold_case_in_place, fold_literal

# Possessive and atomic: a run of separators or a gap is taken whole, never re-split on failure, so a prompt of
# one word and thousands of separators costs linear time instead of quadratic backtracking.
_GAP = r"(?:\W++\w++){0,4}?\W++"
_SEP = r"(?>[\s\-_/.:='\"‘’“”]*)"
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\u3040-\u30ff]")
# Scripts whose vowel signs and viramas are combining marks, which Python's \w does not count as letters:
# a word start there is not two letters, so their patterns are matched anywhere instead (Devanagari to
# Sinhala, Thai, Lao, Myanmar, Khmer). Thai, Lao, Khmer and Myanmar write no spaces between words.
ABUGIDA = re.compile(r"[\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
_ABUGIDA_LETTER = r"\u0900-\u0dff"
ABUGIDA_KEY = "abugida"  # the bucket of those patterns: no two-letter word start is spelled like it
_WORD_START = re.compile(r"\b\w(?:\w|[ \-.'](?=\w))")
_LETTERS = re.compile(r"[^\W\d_]+")
# Arabic writes its proclitics into the word: wa- "and", fa-, bi- "with", li- "for", ka- "like", al- "the"
# ("لمحمد بن سلمان": "for Mohammed bin Salman"). A word start that matches nothing is tried again after one.
_ARABIC_PROCLITICS = tuple(sorted(("و", "ف", "ب", "ل", "ك", "ال", "لل", "وال", "فال", "بال", "كال", "ول", "وب", "فل", "فب"),
                                  key=len, reverse=True))
_ARABIC_LETTERS = re.compile(r"[\u0620-\u064a\u0671-\u06d3]{2}")


@dataclass(frozen=True)
class Entry:
    """One lexicon row: the patterns, what a match means, and when it does not count."""

    id: int
    label: str
    patterns: tuple
    scores: dict = field(default_factory=dict)  # category or "_signal" -> weight in [0, 1]
    tags: frozenset = frozenset()
    safe: bool = False
    unless: frozenset = frozenset()  # ignored when any of these tags is present in the prompt

    def __hash__(self):
        return self.id


@dataclass(frozen=True)
class Hit:
    entry: Entry
    view: str
    start: int
    end: int
    text: str


def is_cjk_pattern(pattern):
    return bool(CJK.search(pattern))


def is_abugida_pattern(pattern):
    return bool(ABUGIDA.search(pattern)) and not is_cjk_pattern(pattern)


def compile_pattern(pattern, fold):
    """Translate one pattern of the pattern language to a regex string, folding its letters with `fold`."""
    out = []
    wrapped = set()  # closing parentheses of optional groups that took the separator before them
    i = 0
    in_class = False
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if in_class:
            if ch == "]":
                in_class = False
                out.append(ch)
            elif ch == "\\":
                out.append(pattern[i : i + 2])
                i += 1
            else:
                out.append(re.escape(fold(ch)) if ch.isalpha() else ch)
            i += 1
            continue
        if ch.isalpha():
            m = _LETTERS.match(pattern, i)
            out.append(re.escape(fold(m.group())))
            i = m.end()
            continue
        if ch == "~":
            while out and out[-1] == _SEP:
                out.pop()
            out.append(_GAP)
            i += 1
            while i < n and pattern[i] == " ":
                i += 1
            continue
        if ch == " ":
            while i < n and pattern[i] == " ":
                i += 1
            if i < n and pattern[i] == "(" and not pattern.startswith("(?", i):
                close = _closing(pattern, i)
                if (close + 1 < n and pattern[close + 1] == "?" and pattern[close - 1] != " "
                        and (close + 2 == n or pattern[close + 2] in " ~")):
                    # "choking her (out)?": a word group that may be missing takes the separator before it,
                    # or "choking her and" would spend its space on the group, find no word and fail (the
                    # separator is atomic). Not a prefix ("(al)?(qat')"), which the next letters follow directly.
                    out.append("(?:" + _SEP)
                    wrapped.add(close)
                    continue
            out.append(_SEP)
            continue
        if ch == "*":
            out.append(r"\w*")
        elif ch == "#":
            out.append(r"\d{1,2}")
        elif ch == "(":
            out.append("(?:" if not pattern.startswith("(?", i) else "(")
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == ")" and i in wrapped:
            out.append("))")
        elif ch in ")|?+":
            out.append(ch if ch != "+" else r"\+")
        elif ch == "'":
            out.append("['’]")
        elif ch == "\\":
            out.append(pattern[i : i + 2])
            i += 1
        else:
            out.append(re.escape(ch))
        i += 1
    body = "".join(out)
    if not pattern.endswith("*") and (pattern[-1].isalnum() or pattern[-1] in ")?"):
        body += r"(?!\w)"
    return body


def _closing(pattern, start):
    depth = 0
    i = start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced parentheses in lexicon pattern: {pattern!r}")


def _split_top(body):
    parts, depth, current, i = [], 0, [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            current.append(body[i : i + 2])
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def expand(pattern):
    """Patterns that start with a group become one pattern per alternative, so each starts with letters."""
    pattern = pattern.strip()
    if not pattern.startswith("("):
        return [pattern]
    close = _closing(pattern, 0)
    rest = pattern[close + 1 :]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    out = []
    for alternative in _split_top(pattern[1:close]):
        out.extend(expand(alternative + rest))
    if optional:
        out.extend(expand(rest.lstrip()))
    return out


def bucket_key(pattern, fold):
    head = (fold(pattern[:2]) if pattern[:2].isalpha() else pattern[:2].casefold())[:2]
    if len(head) < 2 or not re.fullmatch(r"\w[\w \-.']", head):
        raise ValueError(f"lexicon pattern must start with two literal letters: {pattern!r}")
    if len(pattern) > 2 and pattern[2] in "?*" and head[1] not in " -.'":
        raise ValueError(f"the third character of a pattern cannot be optional: {pattern!r}")
    return head


def _min_width(regex_body):
    try:
        return re._parser.parse(regex_body).getwidth()[0]
    except Exception:  # pragma: no cover - only ordering depends on it
        return len(regex_body)


class Matcher:
    """All lexicon entries compiled for one view."""

    def __init__(self, entries, fold):
        self.fold = fold
        buckets = {}
        cjk = {}
        for entry in entries:
            for written in entry.patterns:
                if is_cjk_pattern(written):
                    cjk.setdefault(fold(written), []).append(entry)
                    continue
                if is_abugida_pattern(written):
                    for pattern in expand(written):
                        # One bucket, matched anywhere; not inside a longer Indic word (those scripts do
                        # space their words).
                        body = rf"(?<![{_ABUGIDA_LETTER}])" + compile_pattern(pattern, fold)
                        buckets.setdefault(ABUGIDA_KEY, {}).setdefault(body, []).append(entry)
                    continue
                for pattern in expand(written):
                    key = bucket_key(pattern, fold)
                    body = compile_pattern(pattern, fold)
                    # The same pattern in two rows (say "cctv": deceptive and photographic) counts for both.
                    buckets.setdefault(key, {}).setdefault(body, []).append(entry)
        self.groups = {}
        self.buckets = {}  # key -> compiled regex, filled on first use (building all of them takes a second)
        self._pending = buckets
        self._parts = {}
        self._single_cache = {}
        self._open_cache = {}
        self._counter = 0
        self._lock = threading.Lock()
        self.cjk_entries = cjk
        literals = sorted(cjk, key=len, reverse=True)
        self.cjk = re.compile("|".join(re.escape(lit) for lit in literals)) if literals else None

    def _compile(self, key):
        """Order one bucket (safe phrases first, then the longest match) and compile it. Locked: group names
        come from a shared counter, and a threaded server may hit a new bucket twice at once."""
        with self._lock:
            if key in self.buckets:
                return self.buckets[key]
            return self._compile_locked(key)

    def _compile_locked(self, key):
        items = []
        for body, owners in self._pending.get(key, {}).items():
            owners = list(dict.fromkeys(owners))
            items.append((not any(e.safe for e in owners), -_min_width(body), body, owners))
        items.sort(key=lambda item: item[:2])
        parts = []
        for _, _, body, owners in items:
            name = f"g{self._counter}"
            self._counter += 1
            self.groups[name] = tuple(owners)
            parts.append((name, body))
        self._parts[key] = parts
        regex = re.compile("|".join(f"(?P<{name}>{body})" for name, body in parts)) if parts else None
        self.buckets[key] = regex
        return regex

    def bucket(self, key):
        regex = self.buckets.get(key)
        if regex is None and key in self._pending and key not in self.buckets:
            regex = self._compile(key)
        return regex

    def parts(self, key):
        if key in self._pending and key not in self._parts:
            self._compile(key)
        return self._parts.get(key, ())

    def scan(self, text, view, start=0, end=None):
        """Hits in text[start:end], in order, safe ones included (callers use them to mask)."""
        hits = []
        end = len(text) if end is None else end
        consumed = start
        for m in _WORD_START.finditer(text, start, end):
            pos = m.start()
            found = self._match_at(text, pos, m.group(), end)
            if found is None and text[pos] in "وفبلك":
                pos, found = self._after_proclitic(text, pos, end)
            # Inside an earlier match only a longer reach counts: "chicken breast" hides "breast", but "being
            # beaten" does not hide "beaten ... to death".
            if found is None or found.end() <= consumed:
                continue
            matched = found.group()
            for entry in self.groups[found.lastgroup]:
                hits.append(Hit(entry, view, pos, found.end(), matched))
            consumed = found.end()
        if self.cjk is not None and CJK.search(text, start, end):
            for found in self.cjk.finditer(text, start, end):
                for entry in self.cjk_entries[found.group()]:
                    hits.append(Hit(entry, view, found.start(), found.end(), found.group()))
        if ABUGIDA_KEY in self._pending and ABUGIDA.search(text, start, end):
            for found in self.bucket(ABUGIDA_KEY).finditer(text, start, end):
                for entry in self.groups[found.lastgroup]:
                    hits.append(Hit(entry, view, found.start(), found.end(), found.group()))
        return hits

    def _match_at(self, text, pos, key, end):
        regex = self.buckets.get(key)
        if regex is None:
            if key not in self._pending or key in self.buckets:
                return None
            regex = self._compile(key)
        return regex.match(text, pos, end)

    def _after_proclitic(self, text, pos, end):
        """(start, match) of a term written after an Arabic proclitic, or (pos, None)."""
        for clitic in _ARABIC_PROCLITICS:
            start = pos + len(clitic)
            if text.startswith(clitic, pos) and _ARABIC_LETTERS.match(text, start):
                found = self._match_at(text, start, text[start : start + 2], end)
                if found is not None:
                    return start, found
        return pos, None

    def _open_bucket(self, key):
        """The bucket's regex without the trailing word boundary (joined runs have no boundaries)."""
        cache = self._open_cache
        if key not in cache:
            parts = self.parts(key)
            cache[key] = None if not parts else re.compile(
                "|".join(f"(?P<{name}>{_open_ended(body)})" for name, body in parts)
            )
        return cache[key]

    def masked_by(self, hit, text):
        """Entries that a safe hit hides: every unsafe pattern that matches inside its span."""
        if ABUGIDA.search(hit.text) and not CJK.search(hit.text):
            return [
                entry
                for owners, regex in self._singles(ABUGIDA_KEY)
                if regex.search(text, hit.start, hit.end)
                for entry in owners
                if not entry.safe
            ]
        if is_cjk_pattern(hit.text):
            return [
                entry
                for literal, entries in self.cjk_entries.items()
                if literal in hit.text
                for entry in entries
                if not entry.safe
            ]
        inner = []
        for m in _WORD_START.finditer(text, hit.start, hit.end):
            for owners, regex in self._singles(m.group()):
                if regex.match(text, m.start(), hit.end):
                    inner.extend(entry for entry in owners if not entry.safe)
        return inner

    def _singles(self, key):
        # Rare path (only under a safe phrase), so each alternative is compiled on first use.
        singles = self._single_cache.get(key)
        if singles is None:
            singles = [(self.groups[name], re.compile(body)) for name, body in self.parts(key)]
            self._single_cache[key] = singles
        return singles


_BOUNDARY = r"(?!\w)"


def _open_ended(body):
    return body[: -len(_BOUNDARY)] if body.endswith(_BOUNDARY) else body


# Never "the": "t h e r a p i s t" must not split into "the rapist".
FILLERS = (
    "a", "an", "in", "on", "of", "and", "with", "her", "his", "my", "me", "him", "them", "this", "that", "some",
    "make", "makes", "show", "shows", "create", "generate", "render", "draw", "give", "want", "see", "watch",
    "get", "is", "are", "be", "very", "fully", "totally", "completely", "only", "two", "one",
    "girl", "girls", "boy", "boys",
    "woman", "women", "man", "men", "lady", "guy", "video", "videos", "vid", "pic", "pics", "photo", "photos",
    "scene", "clip", "model", "models", "body", "dance", "tape", "show", "movie", "film", "selfie", "cam",
    "live", "hot", "real", "full", "young", "kid", "child", "couple", "people", "person", "big", "little",
    "beach", "shower", "bed", "room", "art", "hd", "4k",
)


LEADING = ("a", "an", "in", "on", "of", "and", "with", "for", "to", "at", "by", "from", "into", "onto", "over",
           "under", "up", "out", "as", "so", "it", "is", "are", "make", "show", "me", "my", "her", "his", "your",
           "their", "this", "that", "some")


def segment(word, matchers):
    """Split a joined run into known words: lexicon terms (of any of the matchers) and common filler words
    ("nakedgirl" -> ["naked", "girl"]). None when it does not split completely, so "sextant" stays one word."""

    def known_at(i):
        for matcher in matchers:
            regex = matcher._open_bucket(word[i : i + 2])
            if regex is not None:
                found = regex.match(word, i)
                if found is not None and found.end() > i:
                    yield found.end()

    def split(i, depth=0):
        if i == len(word):
            return []
        if depth > 8:
            return None
        for end in known_at(i):
            rest = split(end, depth + 1)
            if rest is not None:
                return [word[i:end]] + rest
        for filler in FILLERS:
            if word.startswith(filler, i):
                rest = split(i + len(filler), depth + 1)
                if rest is not None:
                    return [filler] + rest
        return None

    pieces = split(0)
    if pieces is None and word[:1] in ("a", "i"):
        rest = split(1)
        pieces = None if rest is None else [word[0]] + rest
    if pieces and len(pieces) > 1:
        return pieces
    # Otherwise peel off leading function words only ("ofagunshot" -> "of a gunshot"); a term is never split
    # off the front, so "sextant" stays whole.
    candidates = []
    stack = [(0, [])]
    while stack:
        i, prefix = stack.pop()
        for filler in LEADING + ("i",):
            j = i + len(filler)
            if word.startswith(filler, i) and len(word) - j >= 3 and len(prefix) < 4:
                candidates.append((j, prefix + [filler]))
                stack.append((j, prefix + [filler]))
    if not candidates:
        return None
    candidates.sort(key=lambda c: -c[0])
    for j, prefix in candidates:  # a remainder made of known words beats a longer peel ("by a topless")
        rest = split(j)
        if rest:
            return prefix + rest
    j, prefix = candidates[0]
    return prefix + [word[j:]]


def raw_fold(literal):
    return fold_case_in_place(literal)


def build_matchers(entries):
    """Per view, two independent passes: scored terms, and context tags (so a context word never hides a
    scored term at the same place). Safe phrases take part in both."""
    terms = [e for e in entries if e.safe or e.scores]
    context = [e for e in entries if e.safe or not e.scores]
    return {
        view: (Matcher(terms, fold), Matcher(context, fold))
        for view, fold in (("raw", raw_fold), ("normalized", fold_literal))
    }
