"""Decoding evasions: the first stage of screening reads what a writer hid on purpose.

`decoded_views(text, wordlike)` returns `(name, text)` candidates, each the prompt with one kind of hiding
undone: base64 and hex runs decoded in place, ROT13, text written backwards (whole or word by word), pig
latin, a right-to-left override that shows reversed text the right way round, emoji read as the words they
stand for, and words spelled across lines or by the initials of lines. Screening treats each candidate as one
more segment of the request; a candidate is only offered when it reads more like language than the text
it came from (`wordlike`: the share of words a vocabulary knows), so a benign prompt in an evasion-like form
("l33t h4x0r", an aligned table of numbers) gives no candidate and nothing to match.

Pure: text in, candidates out. Bounded: at most MAX_CANDIDATES candidates, each at most the length of the
prompt times two, and every decoder is linear in the input.
"""

import base64
import binascii
import codecs
import re

from generations.moderation.text.normalize import fold_leet

MAX_CANDIDATES = 12
# Decodings that recover the text itself (rather than a fragment or one of several guessed fillings).
READINGS = ("base64", "rtl-override", "emoji", "rot13", "reversed", "reversed-words", "rot13-clause",
            "reversed-clause", "reversed-words-clause", "joined-words", "pig-latin", "unspaced", "leetspeak")
MAX_ENCODED_RUNS = 6
_GAIN = 0.25  # how much more word-like a candidate must read than its source

_WORDS = re.compile(r"[^\W\d_]{2,}")
_B64_RUN = re.compile(r"(?<![\w+/=])[A-Za-z0-9+/_-]{12,}={0,2}(?![\w+/=])")
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :]?){6,}(?![0-9A-Fa-f])")
_RTL_OVERRIDE = re.compile("[\u202e\u2067]([^\u202c\u2069\n]*)[\u202c\u2069]?")
_PIG_WORD = re.compile(r"\b([a-z]{1,12}?)(w|y|h)?ay\b")
_VOWEL = re.compile(r"[aeiouy]")

# What an emoji stands for when it stands in for a word. Only emoji that are used as substitutes for a
# screened word; a heart or a sun is decoration and stays out.
EMOJI_WORDS = {
    "🍆": "penis", "🍑": "butt", "💦": "cum", "👅": "licking", "🥵": "horny", "🔞": "explicit adult", "🌶": "spicy",
    "🍒": "breasts", "🍈": "breasts", "🌮": "vagina", "🐱": "pussy", "👙": "bikini", "🩲": "underwear",
    "🔪": "knife", "🗡": "knife", "🔫": "gun", "💣": "bomb", "🧨": "explosive", "💥": "explosion",
    "🩸": "blood", "🪓": "axe", "⚰": "coffin", "💀": "dead", "☠": "dead",
    "💊": "pills", "💉": "syringe", "❄": "cocaine", "🌿": "weed", "🍄": "mushrooms",
    "🪢": "rope noose", "🩹": "cuts", "⛓": "chains",
    "👶": "baby", "🧒": "child", "👧": "girl child", "👦": "boy child", "🏫": "school",
}
_EMOJI = re.compile("|".join(sorted(map(re.escape, EMOJI_WORDS), key=len, reverse=True)))


def default_wordlike(text):
    """Without a vocabulary: the share of words that have a vowel and no run of four consonants."""
    words = _WORDS.findall(text.lower())
    if not words:
        return 0.0
    good = sum(1 for w in words if _VOWEL.search(w) and not re.search(r"[^aeiouy\W\d_]{4}", w))
    return good / len(words)


def _is_text(raw):
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded.strip():
        return None
    printable = sum(1 for ch in decoded if ch.isalpha() or ch in " ,.'!?-")
    return decoded if printable / len(decoded) >= 0.8 and len(_WORDS.findall(decoded)) >= 1 else None


def _b64(run):
    padded = run + "=" * (-len(run) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded = _is_text(decoder(padded.encode("ascii")))
        except (binascii.Error, ValueError):
            continue
        if decoded:
            return decoded
    return None


def _hex(run):
    try:
        return _is_text(bytes.fromhex(re.sub(r"[ :]", "", run)))
    except ValueError:
        return None


def decode_runs(text):
    """Base64 and hex runs replaced by what they decode to (only runs that decode to text)."""
    changed = False
    count = 0

    def swap(decoder):
        def replace(m):
            nonlocal changed, count
            if count >= MAX_ENCODED_RUNS:
                return m.group()
            run = m.group()
            if decoder is _b64 and (run.isalpha() and (run.islower() or run.isupper())):
                return run  # a plain long word is a word, not base64
            decoded = decoder(run.strip())
            if decoded is None:
                return run
            count += 1
            changed = True
            return f" {decoded} "
        return replace

    out = _HEX_RUN.sub(swap(_hex), text)
    out = _B64_RUN.sub(swap(_b64), out)
    return out if changed else None


def rot13(text):
    return codecs.encode(text, "rot13")


def reverse_text(text):
    return text[::-1]


def reverse_words(text):
    return re.sub(r"[^\W\d_]+", lambda m: m.group()[::-1], text)


def unpig(text, wordlike):
    """Pig latin undone word by word ("udenay omanway" -> "nude woman"): each word ending in -ay gets the
    reading, of moving one to three trailing letters back to the front, that reads most like a word."""
    changed = False

    def fix(m):
        nonlocal changed
        stem = m.group(1) + (m.group(2) or "")
        readings = [stem[:-1]] if stem.endswith(("w", "y", "h")) else []
        readings += [stem[-k:] + stem[:-k] for k in (1, 2, 3) if len(stem) > k]
        # The word as written is a reading too: "today" and "away" stay what they are.
        best = max(readings + [m.group()], key=wordlike)
        changed = changed or best != m.group()
        return best

    out = _PIG_WORD.sub(fix, text.lower())
    return out if changed else None


def undo_rtl_override(text):
    """Text after a right-to-left override displays reversed: read it the way it is shown."""
    if "\u202e" not in text and "\u2067" not in text:
        return None
    return _RTL_OVERRIDE.sub(lambda m: m.group(1)[::-1], text)


# Emoji next to food, cooking, gardening or pets are what they show, not a code.
_LITERAL_CONTEXT = re.compile(
    r"\b(?:eggplants?|aubergines?|peach(?:es)?|cherr(?:y|ies)|melons?|tacos?|cats?|kittens?|kitty|recipes?|cook\w*|"
    r"kitchen|fruits?|vegetables?|veggies?|salad|garden\w*|farm\w*|market|grocer\w*|emoji|mushroom\w*|"
    r"snow\w*|winter|christmas|baby shower|newborn photo\w*|chef|bake\w*|parm\w*)\b",
    re.IGNORECASE,
)


def gloss_emoji(text):
    """Emoji that stand in for screened words, read as those words (not beside food, pets or gardens)."""
    if not _EMOJI.search(text) or _LITERAL_CONTEXT.search(text):
        return None
    return _EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group()]} ", text.replace("\ufe0f", ""))


_CHUNK = re.compile(r"[^:;,.!?\n]+|[:;,.!?\n]+")


def chunkwise(text, transform, wordlike):
    """Apply `transform` to each clause that reads more like language after it ("ROT13: fgrc ol fgrc" ->
    the clause after the colon is decoded, the instruction before it is left alone)."""
    changed = False
    out = []
    for chunk in _CHUNK.findall(text):
        if len(_WORDS.findall(chunk)) >= 2:
            candidate = transform(chunk)
            if wordlike(candidate) >= wordlike(chunk) + _GAIN:
                out.append(candidate)
                changed = True
                continue
        out.append(chunk)
    return "".join(out) if changed else None


_MID_WORD_BREAK = re.compile(r"(?<=[^\W\d_])\n(?=[^\W\d_A-Z])")


def join_broken_words(text):
    """Words broken across lines ("get\nting be\nhead\ned") put back together."""
    if len(_MID_WORD_BREAK.findall(text)) < 2:
        return None
    return _MID_WORD_BREAK.sub("", text)


_SPACED_LETTERS = re.compile(r"(?:(?<=\s)|^)[^\W\d_](?: [^\W\d_])+(?=\s|$)")


def unspace(text):
    """Letters spaced out one by one with wider gaps between words ("г о л а я  ж е н щ и н а") closed up."""
    if not re.search(r"[^\W\d_] [^\W\d_] [^\W\d_] [^\W\d_]", text) or "  " not in text:
        return None
    words = re.split(r"\s{2,}", text.strip())
    if sum(1 for word in words if _SPACED_LETTERS.fullmatch(word)) < 2:
        return None
    return " ".join(word.replace(" ", "") if _SPACED_LETTERS.fullmatch(word) else word for word in words)


# A masked word has two letters or more on one side of its mask ("n*de", "m*nor", "p*rn"); "o*n" is a
# spelled-out word, which normalising joins.
_MASKED_WORD = re.compile(r"\b(?:[^\W\d_]{2,}[*#@]+[^\W\d_]+|[^\W\d_]+[*#@]+[^\W\d_]{2,})\b")


_SPELLED_WITH_MASKS = re.compile(r"[^\W\d_][*#@][^\W\d_][*#@][^\W\d_]")


def unmask_vowels(text, vowel):
    """Vowels hidden behind a mask ("n*de", "s*x", "p#rn") filled with one vowel; None without masks."""
    if not _MASKED_WORD.search(text) or _SPELLED_WITH_MASKS.search(text):
        return None  # no mask, or "*" between every letter: a spelled-out word, which normalising joins
    return _MASKED_WORD.sub(lambda m: re.sub(r"[*#@]+", vowel, m.group()), text)


def split_words(text):
    """Words broken across lines, or spelled by the first letters of lines ("N / U / D / E" as an acrostic)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 3:
        return ()
    out = []
    fragments = [line for line in lines if len(line) <= 6 and " " not in line]
    if len(fragments) >= 3:
        out.append(("joined-lines", "".join(fragments)))
    initials = "".join(line.lstrip("-*•#0123456789.):[] ")[:1] for line in lines)
    if len(initials) >= 4 and initials.isalpha():
        out.append(("initials", initials))
    return tuple(out)


def decoded_views(text, wordlike=None):
    """(name, decoded text) for every kind of hiding that undoing makes the text read more like language."""
    if not text or not text.strip():
        return ()
    wordlike = wordlike or default_wordlike
    source = wordlike(text)
    out = []

    def offer(name, candidate, *, require_gain=True):
        if not candidate or candidate == text or len(out) >= MAX_CANDIDATES:
            return
        if require_gain and wordlike(candidate) < source + _GAIN:
            return
        out.append((name, candidate[: 2 * len(text) + 64]))

    offer("base64", decode_runs(text), require_gain=False)
    offer("rtl-override", undo_rtl_override(text), require_gain=False)
    offer("emoji", gloss_emoji(text), require_gain=False)
    if source < 0.75:
        offer("rot13", rot13(text))
        offer("reversed", reverse_text(text))
        offer("reversed-words", reverse_words(text))
    if source < 0.9:
        offer("rot13-clause", chunkwise(text, rot13, wordlike), require_gain=False)
        offer("reversed-clause", chunkwise(text, reverse_text, wordlike), require_gain=False)
        offer("reversed-words-clause", chunkwise(text, reverse_words, wordlike), require_gain=False)
    offer("joined-words", join_broken_words(text), require_gain=False)
    # Digits and symbols for letters ("v1d3o d3 r3crut3m3nt"): the lexicon reads them folded already; this
    # reading, case and accents kept, is for the semantic layer. Only when it reads as language ("4k 60fps" does not).
    offer("leetspeak", fold_leet(text))
    pig_words = len(_PIG_WORD.findall(text.lower()))
    if pig_words >= 2:
        offer("pig-latin", unpig(text, wordlike), require_gain=pig_words < 3)
    offer("unspaced", unspace(text), require_gain=False)
    for vowel in "aeiou":  # the writer masked a letter on purpose: every filling is a reading
        offer(f"unmasked-{vowel}", unmask_vowels(text, vowel), require_gain=False)
    for name, candidate in split_words(text):
        offer(name, candidate, require_gain=False)
    return tuple(out)
