"""The screening lexicon: terms, phrases and context words, with what each one means, read from TOML files.

Each row (a `[[term]]` table in lexicon/*.toml) gives weights per category (a weight alone decides nothing: the
policy's thresholds do), signals (`_minor`: how surely the prompt is about a child) and tags that the context
rules of combinations.toml combine ("explosive" + "instructions" is a bomb recipe; "nudity" + "art_ctx" is a
figure study). Safe rows (`safe = true`) are benign phrases that hide the terms inside them ("chicken breast").
Rows are data: to change what is screened, edit the TOML files and bump VERSION (every decision records it).
The files load once, at import, in the order of FILES; a row's id is its position in that order.
"""

import hashlib
import tomllib
from pathlib import Path

from generations.moderation.text.matching import Entry
from generations.moderation.text.policy import CATEGORIES

VERSION = "6"
DIRECTORY = Path(__file__).with_name("lexicon")
FILES = (
    "names.toml", "sexual.toml", "minors.toml", "violence.toml", "self_harm.toml", "illegal.toml", "real_people.toml",
    "framing.toml", "injection.toml", "languages_sexual.toml", "languages_minors.toml", "languages_violence.toml",
    "languages_self_harm.toml", "languages_illegal.toml", "languages_real_people.toml", "languages_deceptive.toml",
    "languages_romanized.toml", "abugida.toml", "slang.toml", "advertising.toml", "combinations.toml",
)
SIGNALS = ("_minor",)  # score keys that detectors.py reads as signals rather than categories
DETECTOR_TAGS = ("scare_quotes",)  # set by detectors.LexiconDetector itself, not by a row
_ROW_KEYS = {"label", "scores", "patterns", "names", "tags", "unless", "safe"}


class LexiconError(ValueError):
    """A TOML file of the lexicon says something the loader does not know (named with its file and row)."""


def load(directory=DIRECTORY, files=FILES):
    """Read `files` from `directory`: (entries, combinations, name lists, SHA-256 of the files' bytes)."""
    digest, rows, names, rules = hashlib.sha256(), [], {}, []
    for file in files:
        data = (Path(directory) / file).read_bytes()
        digest.update(data)
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise LexiconError(f"{file}: {exc}") from exc
        if set(doc) - {"term", "names", "combination"}:
            raise LexiconError(f"{file}: unknown tables {sorted(set(doc) - {'term', 'names', 'combination'})}")
        names.update(doc.get("names", {}))
        rows += [(f"{file}, term {i + 1} ({row.get('label')!r})", row) for i, row in enumerate(doc.get("term", []))]
        rules += [(f"{file}, combination {i + 1}", rule) for i, rule in enumerate(doc.get("combination", []))]
    entries = []
    for where, row in rows:
        scores = row.get("scores", {})
        for problem, found in (("keys", set(row) - _ROW_KEYS), ("categories", set(scores) - {*CATEGORIES, *SIGNALS}),
                               ("name lists", {row["names"]} - set(names) if "names" in row else ())):
            if found:
                raise LexiconError(f"{where}: unknown {problem} {sorted(found)}")
        if any(not isinstance(w, float | int) or isinstance(w, bool) or not 0 <= w <= 1 for w in scores.values()):
            raise LexiconError(f"{where}: a weight is not a number from 0 to 1: {scores}")
        patterns = (*names.get(row.get("names"), ()), *row.get("patterns", ()))
        if not isinstance(row.get("label"), str) or not patterns or not all(isinstance(p, str) for p in patterns):
            raise LexiconError(f"{where}: a row needs a label and at least one pattern, all of them strings")
        if not isinstance(row.get("safe", False), bool):
            raise LexiconError(f"{where}: safe is true or false")
        entries.append(Entry(id=len(entries), label=row["label"], patterns=patterns, scores=dict(scores),
                             tags=frozenset(row.get("tags", ())), safe=row.get("safe", False),
                             unless=frozenset(row.get("unless", ()))))
    known = {*DETECTOR_TAGS}.union(*(entry.tags for entry in entries))
    for (where, _row), entry in zip(rows, entries, strict=True):
        if entry.unless - known:
            raise LexiconError(f"{where}: unknown tags in unless {sorted(entry.unless - known)}")
    combinations = []
    for where, rule in rules:
        if set(rule) != {"tags", "category", "score", "reason"}:
            raise LexiconError(f"{where}: a rule has exactly tags, category, score and reason")
        if set(rule["tags"]) - known:
            raise LexiconError(f"{where}: unknown tags {sorted(set(rule['tags']) - known)} (no row declares them)")
        if rule["category"] not in CATEGORIES:
            raise LexiconError(f"{where}: unknown category {rule['category']!r}")
        combinations.append((tuple(rule["tags"]), rule["category"], rule["score"], rule["reason"]))
    return tuple(entries), tuple(combinations), names, digest.hexdigest()


ENTRIES, COMBINATIONS, _NAMES, _FINGERPRINT = load()
CELEBRITIES = "\n" + "\n".join(_NAMES["celebrities"]) + "\n"  # the celebrity names, one a line (as before)


def fingerprint():
    """A short hash of the TOML files' bytes, recorded with each decision so a replay knows the exact lexicon."""
    return _FINGERPRINT[:10]
