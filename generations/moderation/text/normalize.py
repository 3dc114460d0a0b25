"""Text normalisation for prompt screening: one pure function, `normalize`, that produces the views every
detector runs on.

- `raw`: the prompt lower-cased (length kept, so offsets index the prompt as typed), nothing else. A match
  here needed no unmasking.
- `normalized`: NFKC; invisible and format characters removed (Cf, zero-width, bidi controls, variation
  selectors, tag characters, Hangul fillers); look-alike letters from other scripts folded to a Latin skeleton
  (or, inside a Cyrillic/Greek word, Latin intruders folded to that script); casefolded; accents stripped from
  Latin, Greek and Cyrillic letters; letters spelled out with separators joined (`n u d e`, `N.A.K.E.D`,
  `b-o-m-b`, an emoji between letters); leetspeak folded inside words (`s3x`, `n4k3d`); runs of three or more
  of a letter collapsed.

Two by-products feed extra views: `joined` (spelled-out runs that may hide several words, "n a k e d g i r l",
which the lexicon detector splits into words) and `translit` (tokens mixing Cyrillic with Latin letters or
leet, "н@кед", read phonetically).

Lexicon patterns are put through the same letter folding (`fold_literal`) so a term matches its own
normalised form: accent-free French or Russian still finds accent-free text.
"""

import re
import unicodedata
from dataclasses import dataclass

VERSION = "2"


# --- invisible characters ----------------------------------------------------------------------------------

def _build_invisible_table():
    table = {}
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) == "Cf":
            table[cp] = None
    extra_ranges = [
        (0xFE00, 0xFE0F),  # variation selectors (category Mn, invisible)
        (0xE0000, 0xE007F),  # tag characters
        (0xE0100, 0xE01EF),  # variation selectors supplement
        (0x1D173, 0x1D17A),  # musical format controls
        (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
        (0x1BCA0, 0x1BCA3),  # shorthand format controls
    ]
    for low, high in extra_ranges:
        for cp in range(low, high + 1):
            table[cp] = None
    # Renders as nothing but are letters or marks, so category alone misses them.
    for cp in (0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x180B, 0x180C, 0x180D, 0x180F, 0x17B4, 0x17B5):
        table[cp] = None
    # Separators that should read as a space, not vanish.
    for cp in (0x2028, 0x2029, 0x0085):
        table[cp] = " "
    return table


INVISIBLE = _build_invisible_table()


# --- confusable homoglyphs ---------------------------------------------------------------------------------

# Letters from other scripts that render like a Latin letter. Upper case too: homoglyphs are folded before
# casefolding, because Cyrillic "Т" looks like "T" while its lower case "т" does not look like "t".
_TO_LATIN_PAIRS = (
    # Cyrillic lower / upper
    "аa еe ёe оo рp сc уy хx ѕs іi їi јj ԁd һh ӏl ԛq ԝw үy ѵv ѡw ɡg"
    " АA ВB ЕE ЁE КK МM НH ОO РP СC ТT УY ХX ЅS ІI ЇI ЈJ ԀD ҺH ӀI ԚQ ԜW ҮY ѴV"
    # Greek lower / upper
    " αa εe ιi κk νv οo ρp τt υu χx ωw ηn"
    " ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX"
    # Armenian
    " օo սu ցg հh ոn Տs Օo Սu"
    # Latin-script look-alikes and small capitals
    " ɑa ıi ȷj ɩi ʏy ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ᴢz"
    " øo ØO đd ĐD łl ŁL ħh ŧt ƀb ɨi ʉu ǝe ɛe ɔo"
    # Cherokee capitals that copy Latin ones
    " ᎪA ᏴB ᏟC ᎠD ᎬE ᎻH ᏆI ᎫJ ᏦK ᏞL ᎷM ᏢP ᏒR ᏚS ᏆI ᎢT ᏙV ᏔW"
)
TO_LATIN = {}
for _pair in _TO_LATIN_PAIRS.split():
    TO_LATIN[_pair[0]] = _pair[1]

# Regional indicators and enclosed letters that NFKC leaves alone.
for _i in range(26):
    _letter = chr(ord("a") + _i)
    for _base in (0x1F1E6, 0x1F130, 0x1F150, 0x1F170):
        TO_LATIN[chr(_base + _i)] = _letter

# Latin intruders inside a Cyrillic or Greek word fold the other way.
TO_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і",
               "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
               "C": "С", "T": "Т", "X": "Х", "Y": "У"}
TO_GREEK = {"a": "α", "e": "ε", "o": "ο", "p": "ρ", "x": "χ", "v": "ν", "k": "κ", "i": "ι", "t": "τ", "u": "υ",
            "A": "Α", "B": "Β", "E": "Ε", "Z": "Ζ", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ", "N": "Ν",
            "O": "Ο", "P": "Ρ", "T": "Τ", "X": "Χ", "Y": "Υ"}


def _script(ch):
    cp = ord(ch)
    if cp < 0x250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    if 0x400 <= cp <= 0x52F:
        return "cyrillic"
    if 0x370 <= cp <= 0x3FF or 0x1F00 <= cp <= 0x1FFF:
        return "greek"
    return "other"


_WORD = re.compile(r"[^\W\d_]+")


def _fold_word_scripts(word):
    """Fold one word's look-alike letters to the script it is really written in."""
    latin = cyr_strong = greek_strong = confusable = 0
    for ch in word:
        if ch in TO_LATIN:
            confusable += 1
            continue
        script = _script(ch)
        if script == "latin":
            latin += 1
        elif script == "cyrillic":
            cyr_strong += 1
        elif script == "greek":
            greek_strong += 1
    native = max(cyr_strong, greek_strong)
    if native and native >= latin:
        # A Cyrillic or Greek word with Latin intruders ("пoрно" with a Latin o).
        table = TO_CYRILLIC if cyr_strong >= greek_strong else TO_GREEK
        return "".join(table.get(ch, ch) for ch in word)
    if confusable and (latin or not native):
        # A Latin word with foreign look-alikes ("Tоplеss"), or one made only of look-alikes ("ѕех").
        return "".join(TO_LATIN.get(ch, ch) for ch in word)
    return word


_SYMBOL_LETTERS = {ord(k): v for k, v in TO_LATIN.items() if not k.isalpha()}


def fold_scripts(text):
    if text.isascii():
        return text
    text = text.translate(_SYMBOL_LETTERS)
    return _WORD.sub(lambda m: _fold_word_scripts(m.group()) if not m.group().isascii() else m.group(), text)


# --- accents -----------------------------------------------------------------------------------------------

def _build_accent_table():
    table = {}
    for cp in list(range(0xC0, 0x250)) + list(range(0x370, 0x530)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and base != ch:
            table[cp] = base
    table.update({ord("æ"): "ae", ord("œ"): "oe", ord("ß"): "ss", ord("ø"): "o", ord("đ"): "d", ord("ł"): "l"})
    return table


ACCENTS = _build_accent_table()
_COMBINING = re.compile(r"[\u0300-\u036f]")


def strip_accents(text):
    if text.isascii():
        return text
    return _COMBINING.sub("", text.translate(ACCENTS))


# --- spelled-out letters, leetspeak, repeats -------------------------------------------------------------

# Two or more single letters or digits separated by the same kind of filler: "n u d e", "N.A.K.E.D", "b-o-m-b",
# or an emoji, a block or a box character put between the letters ("n🍑u🍑d🍑e", "u█n█d█e█r").
_FILLER = r"[ .\-_*+~·•|/\\\u2500-\u25ff\u2600-\u27bf\U0001f300-\U0001faff]"
_SPACED = re.compile(r"(?<![^\W_])(?<![^\W_]['’])(?:[^\W_](?:" + _FILLER + r"{1,3}))+[^\W_](?![^\W_])")
_SPACED_FILLER = re.compile(_FILLER + "+")

LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "!": "i", "|": "l", "€": "e"}
_LEET_TOKEN = re.compile(r"[\w@$!|€]+")
# Numbers with units are not leetspeak: 4k, 35mm, 60fps, 12yo, 1st, 1080p.
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:mm|cm|km|m|fps|k|p|s|x|th|st|nd|rd|yo|y|yr|yrs|am|pm|min|mins|sec|secs|ms|hz|mph|kg|g|gb|d|h|hr|hrs)"
)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def _join_run(run):
    """Join one spelled-out run; a separator unlike the usual one ("n u d e  w o m a n", "n.u.d.e w.o.m.a.n")
    marks a word boundary and becomes a space."""
    separators = _SPACED_FILLER.findall(run)
    usual = max(separators, key=separators.count)  # on a tie, the first: runs start inside a spelled word
    letters = _SPACED_FILLER.split(run)
    out = [letters[0]]
    for separator, letter in zip(separators, letters[1:], strict=True):
        if separator == usual:
            out.append(letter)
        else:
            out.append(("-" if "-" in separator else " ") + letter)
    return "".join(out)


# Two-character leet is folded only into these words ("t0" -> "to"), so "4k" and "3d" stay themselves.
_SHORT_WORDS = frozenset("to of in is it at on no so go do be me my we he an as or up us by "
                         "de da di du la le el en et un il na ne nu em um se al lo te ta".split())


def _fold_leet_token(token):
    if token.isalpha() or token.isdigit():
        return token
    if len(token) == 2:
        folded = "".join(LEET.get(ch, ch) for ch in token)
        return folded if folded in _SHORT_WORDS else token
    stripped = token.rstrip("!|")
    if not stripped or _NUMBER_WITH_UNIT.fullmatch(stripped):
        return token
    letters = sum(1 for ch in stripped if ch.isalpha())
    if not letters or len(stripped) < 3 or not any(ch in LEET for ch in stripped):
        return token
    folded = "".join(LEET.get(ch, ch) for ch in stripped)
    return folded + token[len(stripped):] if folded.replace("_", "").isalpha() else token


def fold_leet(text):
    return _LEET_TOKEN.sub(lambda m: _fold_leet_token(m.group()), text)


def collapse_repeats(text):
    return _REPEATS.sub(r"\1", text)


# --- the views ---------------------------------------------------------------------------------------------

# Phonetic Russian -> Latin, for tokens that mix the two scripts ("н@кед" -> "naked"): a real Russian word
# never contains Latin letters or leet symbols, so such a token is a Latin word spelled with Cyrillic.
TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}
_TRANSLIT_TABLE = {ord(k): v for k, v in TRANSLIT.items()}
_MIXED_TOKEN = re.compile(r"\w*[a-z]\w*")


def transliterate_mixed(text):
    """The text with each token that mixes Latin and Cyrillic letters transliterated; "" when there is none."""
    if text.isascii() or not re.search(r"[а-яё]", text):
        return ""
    changed = False

    def fix(m):
        nonlocal changed
        token = m.group()
        if re.search(r"[а-яё]", token):
            changed = True
            return token.translate(_TRANSLIT_TABLE)
        return token

    out = _MIXED_TOKEN.sub(fix, text)
    return out if changed else ""


@dataclass(frozen=True)
class Views:
    raw: str
    normalized: str
    # Runs of spelled-out letters, joined and folded ("n a k e d g i r l" -> "nakedgirl"): the words inside
    # are unknown, so detectors try to segment them.
    joined: tuple = ()
    # Tokens mixing Cyrillic with Latin letters, transliterated ("" when there are none).
    translit: str = ""

    def items(self):
        """(name, text) per view; the normalised view is skipped when it adds nothing."""
        if self.normalized == self.raw:
            return (("raw", self.raw),)
        return (("raw", self.raw), ("normalized", self.normalized))


_SPACE_RUN = re.compile(r"\s+")


def _normalize(text):
    if not text:
        return "", ()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = text.translate(INVISIBLE)
        text = fold_scripts(text)
    text = text.casefold()
    text = strip_accents(text)
    joined = []

    def join(m):
        words = _join_run(m.group())
        for word in re.split(r"[ -]", words):
            if len(word) >= 5:
                joined.append(collapse_repeats(fold_leet(word)))
        return words

    text = _SPACED.sub(join, text)
    text = _SPACE_RUN.sub(" ", text).strip()
    text = fold_leet(text)
    return collapse_repeats(text), tuple(joined)


def normalize_text(text):
    """The normalised view of `text` (a pure function; see the module docstring for the steps)."""
    return _normalize(text)[0]


def fold_case_in_place(text):
    """Lower case without changing length (casefold turns "ß" into "ss"), so raw-view offsets index the prompt
    exactly as typed."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        folded = ch.casefold()
        if len(folded) != 1:
            folded = ch.lower() if len(ch.lower()) == 1 else ch
        out.append(folded)
    return "".join(out)


def normalize(text):
    text = text or ""
    normalized, joined = _normalize(text)
    translit = transliterate_mixed(normalized)
    return Views(raw=fold_case_in_place(text), normalized=normalized, joined=joined, translit=translit)


def fold_literal(literal):
    """Fold a lexicon literal the way `normalize_text` folds letters (script, case, accents), nothing else."""
    literal = unicodedata.normalize("NFKC", literal)
    literal = fold_scripts(literal).casefold()
    return strip_accents(literal)
