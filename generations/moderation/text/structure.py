"""Structure: a prompt parsed into the segments a person wrote it as.

Power users write JSON prompts (`{"shots": [{"prompt": …}], "style": …}`), multi-shot scripts ("Shot 1: …
Shot 2: …"), timestamped beats ("[00:03-00:06] …") and numbered lists. A violation in one shot is a
violation of the request, and a benign opening must not dilute it, so each segment is screened on its own as
well as the whole. `segments(text)` returns them; `sentences(text)` splits prose for the semantic layer.

Pure and bounded: JSON nesting deeper than MAX_DEPTH is refused before parsing (no RecursionError), at most
MAX_SEGMENTS segments are returned, and every pattern here is linear.
"""

import json
import re
from dataclasses import dataclass

MAX_DEPTH = 32
MAX_SEGMENTS = 24
_MIN_SEGMENT_CHARS = 3

_SHOT_WORDS = (
    r"shot|scene|clip|cut|part|beat|panel|frame|take|sequence|act|step|plano|escena|toma|cena|scène|scena|"
    r"szene|einstellung|ujęcie|sahne|adegan|cảnh|сцена|кадр|ショット|シーン|カット|镜头|鏡頭|场景|場景|"
    r"장면|샷|컷|दृश्य|शॉट|ฉาก|مشهد|לקח"
)
_SHOT_MARKER = re.compile(
    rf"(?im)(?:^|(?<=[\s.;。]))\(?\[?(?:{_SHOT_WORDS})\s*#?\s*\d{{1,2}}\]?\)?\s*(?:[:.)\-–—]|(?=\s))"
)
_TIMESTAMP = re.compile(r"(?m)(?:^|(?<=\s))[\[(]?\d{1,2}:\d{2}(?:\.\d+)?(?:\s*[-–—>to]+\s*\d{1,2}:\d{2}(?:\.\d+)?)?[\])]?\s*[:\-–—]?")
_SECONDS = re.compile(r"(?m)(?:^|(?<=\s))[\[(]\d{1,2}(?:\.\d)?\s*[-–—]\s*\d{1,2}(?:\.\d)?\s*s(?:ec)?[\])]\s*[:\-–—]?")
_NUMBERED = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟।])\s+|\n+|(?<=[。！？])")


@dataclass(frozen=True)
class Segment:
    kind: str  # "json", "shot", "line"
    label: str  # where it sits: a JSON path, "shot 2", "line 3"
    text: str


def json_depth_ok(text):
    """False when JSON-like text nests deeper than MAX_DEPTH (checked without recursion)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _walk(value, path, out):
    if len(out) >= MAX_SEGMENTS * 4:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            # Keys carry meaning too ("remove_clothes": true) and can spell a word across keys.
            if re.search(r"[^\W\d_]{3,}", key_text) and not isinstance(item, (dict, list)):
                if item is True or isinstance(item, (int, float)) and not isinstance(item, bool):
                    out.append((f"{path}.{key_text}", key_text.replace("_", " ")))
            _walk(item, f"{path}.{key_text}", out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", out)
    elif isinstance(value, str) and len(value.strip()) >= _MIN_SEGMENT_CHARS:
        out.append((path, value))


def json_segments(text):
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{" or not json_depth_ok(stripped):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    found = []
    _walk(value, "$", found)
    segments = [Segment("json", path, value_text) for path, value_text in found]
    keys = _all_keys(value)
    if keys:
        segments.append(Segment("json", "keys", " ".join(keys)))
        joined = "".join(k.replace("_", "") for k in keys if len(k) <= 6)
        if len(joined) >= 4 and joined.isalpha():
            # Spelled out, so normalising joins it and splits it into the words it hides ("na", "ked", "wo",
            # "man" -> "naked woman").
            segments.append(Segment("json", "keys joined", " ".join(joined)))
    return segments


def _all_keys(value, out=None):
    out = [] if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(str(key))
            _all_keys(item, out)
    elif isinstance(value, list):
        for item in value:
            _all_keys(item, out)
    return out[:200]


def _split_at(text, pattern, kind, name):
    marks = [m for m in pattern.finditer(text)]
    if len(marks) < 2:
        return None
    out = []
    head = text[: marks[0].start()].strip()
    if len(head) >= _MIN_SEGMENT_CHARS:
        out.append(Segment(kind, "preamble", head))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end() : end].strip()
        if len(body) >= _MIN_SEGMENT_CHARS:
            out.append(Segment(kind, f"{name} {i + 1}", body))
    return out if len(out) >= 2 else None


def segments(text):
    """The request's segments (empty for plain prose): JSON values and keys, shots, timestamped beats,
    numbered items, or lines of a multi-line prompt."""
    if not text or not text.strip():
        return ()
    found = json_segments(text)
    if found is None:
        found = (
            _split_at(text, _SHOT_MARKER, "shot", "shot")
            or _split_at(text, _TIMESTAMP, "shot", "beat")
            or _split_at(text, _SECONDS, "shot", "beat")
            or _split_at(text, _NUMBERED, "line", "item")
        )
    if found is None:
        lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= _MIN_SEGMENT_CHARS]
        found = [Segment("line", f"line {i + 1}", line) for i, line in enumerate(lines)] if len(lines) >= 2 else []
    return tuple(found[:MAX_SEGMENTS])


# Template fields: prompts built by other software ("talent: …; action: …", "scene=…", "row 2 | EXT. DOCK | …",
# a YAML block of render settings). The encoder reads prose, and a request spread over slots says in prose
# what its values say together; keys, render settings and the negative slot are not part of it.
_FIELD_SPLIT = re.compile(r"\n+|[;|；｜]")
_FIELD = re.compile(r"^\s*[-*•]?\s*([^\W\d][\w .'\-]{0,30}?)\s*(?:=|:|：)\s*(.*)$")
_TECHNICAL = re.compile(r"^(?:\S*\d\S*|\S*[_/]\S*|\S+://\S*|true|false|on|off|none|null|yes|no|[-=#*]+)$", re.IGNORECASE)
_MACHINE_KEYS = frozenset(
    "seed cfg steps sampler scheduler callback webhook priority retry locale client tier batch job ref id created "
    "updated timestamp watermark resolution fps codec bitrate guidance denoise".split()
)
_NEGATIVE_KEY = re.compile(
    r"(?i)(?:^|[\s_])(?:neg|negative|negativ|negativo|négatif|negatif|avoid|exclude|excluded|forbidden|banned|"
    r"evitar|éviter|evitare|vermeiden|unerwünscht)(?:$|[\s_])|ネガティブ|除外|避免|负面|负向|제외|네거티브"
)
_LETTER = re.compile(r"[^\W\d_]")
MIN_FIELDS = 2


def fields(text):
    """The (key, value) pieces of a template-shaped prompt, in order ("" for a piece without a key: a cell of a
    pipe row, a line of prose), or None when fewer than MIN_FIELDS pieces have a key. Bounded: one split and
    one linear match per piece."""
    if not text or ("=" not in text and ":" not in text and "：" not in text):
        return None
    pieces, keyed = [], 0
    for piece in _FIELD_SPLIT.split(text[:20_000]):
        piece = piece.strip()
        if not piece:
            continue
        match = _FIELD.match(piece)
        if match and len(match.group(1).split()) <= 4:
            keyed += 1
            pieces.append((match.group(1).strip(), match.group(2).strip().strip('"\'“”„«»「」')))
        else:
            pieces.append(("", piece))
    return pieces if keyed >= MIN_FIELDS else None


def _is_setting(key, value):
    """A render setting or a pipeline's bookkeeping (seed, job id, callback URL, fps, a timestamp): no meaning."""
    tokens = value.split()
    if not tokens or all(_TECHNICAL.match(token) for token in tokens):
        return True
    words = re.split(r"[\s_]+", key.casefold())
    return len(tokens) <= 3 and any(word in _MACHINE_KEYS for word in words)


def fields_prose(text):
    """A template-shaped prompt's values read as one text (None when the prompt has no such shape): the slots
    a person filled, in order, without their keys, the render settings or what the negative slot excludes."""
    found = fields(text)
    if not found:
        return None
    values = [f"{key}: {value}" if key else value for key, value in found
              if _LETTER.search(value) and not _NEGATIVE_KEY.search(key) and not (key and _is_setting(key, value))]
    prose = ", ".join(values)
    return prose if len(prose) >= _MIN_SEGMENT_CHARS else None


def sentences(text):
    """Prose split into sentences (and lines), for the semantic layer."""
    parts = [part.strip() for part in _SENTENCE_END.split(text or "")]
    return [part for part in parts if len(part) >= _MIN_SEGMENT_CHARS]


# A brief's list of what not to do ("Do not: depict self-harm, pills or anyone in distress"; "Không: hình ảnh
# khêu gợi", no suggestive images): a heading that forbids, then its items up to the end of the sentence.
_PROHIBITION = re.compile(
    r"(?:^|(?<=[\s.;|•(\[\-—–*]))(?:do not|don'?t|don'?ts|do nots|avoid|no-?gos?|no|must not|must avoid|never|"
    r"không|khong|tránh|tranh|evitar|evite|evita|não|nao|nicht|vermeiden|zu vermeiden|à éviter|a éviter|a eviter|"
    r"éviter|eviter|ne pas|vietato|vietati|da evitare|evitare|unikać|unikac|nie|не|не надо|kaçının|kacinin|"
    r"yapmayın|yapmayin|jangan|hindari|禁止|禁止事項|避免|不要|ng|しないこと|避けること|금지|금지 사항|ممنوع|تجنب|"
    r"मत करें|न करें|ห้าม)\s*[:：]",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?。！？](?=\s|$)|\n")
_ITEM_BREAK = re.compile(r"[,;、，]|\s(?:and|or|nor|y|o|et|ou|und|oder|e|i|và|hoặc|va|hoac)\s", re.IGNORECASE)
# An item that forbids holding back asks for the thing ("Do not: blur the wounds", "don't: tone it down").
_REVERSAL = re.compile(
    r"(?:^|\W)(?:censor\w*|blur\w*|hid(?:e|ing)|cover\w*|tone\w* (?:it )?down|soften\w*|hold\w* back|shy\w* away|"
    r"cut\w* away|water\w* (?:it )?down|pixel\w*|saniti[sz]\w*|subtle|tasteful|modest|look\w* away|fade\w*|crop\w*|"
    r"forget\w*|omit\w*|skip\w*|leave out|leav\w* out|miss\w*|lose|los\w*|remov\w*|less|stop\w*|cut\w*|implied|"
    r"zensier\w*|verpixel\w*|censur\w*|difumin\w*|flout\w*|desenfo\w*|mosaic\w*|モザイク|打码|马赛克|모자이크|"
    r"làm mờ|lam mo|che)(?:\W|$)",
    re.IGNORECASE,
)


def prohibitions(text):
    """(start, end) of each item a brief's "Do not:" list forbids, up to the end of its sentence. An item that
    forbids holding back ("Do not: blur the wounds") asks for the thing, so it is left out."""
    spans = []
    for heading in _PROHIBITION.finditer(text):
        start = heading.end()
        stop = _CLAUSE_END.search(text, start)
        end = stop.start() if stop else len(text)
        position = start
        for item_break in [*_ITEM_BREAK.finditer(text, start, end), None]:
            item_end = item_break.start() if item_break else end
            if text[position:item_end].strip() and not _REVERSAL.search(text[position:item_end]):
                spans.append((position, item_end))
            position = item_break.end() if item_break else end
    return spans


def without_prohibitions(text):
    """The text with the items of its "Do not:" lists taken out: what a reader of meaning should weigh (an
    encoder reads "Do not: depict self-harm" as a request about self-harm)."""
    return replace_spans(text, prohibitions(text))


def replace_spans(text, spans, stand_in=""):
    """The text with each (start, end) span replaced by `stand_in`, in order; a span overlapping one already
    replaced is skipped (two matches of one name)."""
    out, last = [], 0
    for start, end in sorted(set(spans)):
        if start < last:
            continue
        out += [text[last:start], stand_in]
        last = end
    out.append(text[last:])
    return "".join(out)
