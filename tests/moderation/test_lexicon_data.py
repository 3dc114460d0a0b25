"""The lexicon is data: TOML files read by a loader that refuses what it does not know."""

import shutil

import pytest

from generations.moderation.text import lexicon
from generations.moderation.text.lexicon import LexiconError, load

ROWS = """
[[term]]
label = "bomb"
scores = { illegal = 0.6 }
tags = ["explosive"]
patterns = [
    "pipe bomb*",
]

[[term]]
label = "how-to"
tags = ["instructions"]
patterns = ["step by step"]
"""

RULES = """
[[combination]]
tags = ["explosive", "instructions"]
category = "illegal"
score = 0.92
reason = "explosive with how-to framing"
"""


def write(directory, **files):
    for name, text in files.items():
        (directory / f"{name}.toml").write_text(text, encoding="utf-8")
    return tuple(f"{name}.toml" for name in files)


def test_a_small_directory_loads_into_entries_and_rules(tmp_path):
    entries, combinations, _names, _digest = load(tmp_path, write(tmp_path, rows=ROWS, combinations=RULES))
    assert [(e.id, e.label, e.patterns, e.scores, e.tags) for e in entries] == [
        (0, "bomb", ("pipe bomb*",), {"illegal": 0.6}, frozenset({"explosive"})),
        (1, "how-to", ("step by step",), {}, frozenset({"instructions"})),
    ]
    assert combinations == ((("explosive", "instructions"), "illegal", 0.92, "explosive with how-to framing"),)


def test_an_unknown_category_is_refused_naming_the_file_and_row(tmp_path):
    files = write(tmp_path, rows=ROWS.replace("illegal = 0.6", "ilegal = 0.6"), combinations=RULES)
    with pytest.raises(LexiconError, match=r"rows\.toml, term 1 \('bomb'\): unknown categories \['ilegal'\]"):
        load(tmp_path, files)


def test_an_unknown_combination_tag_is_refused_naming_the_file(tmp_path):
    files = write(tmp_path, rows=ROWS, combinations=RULES.replace('"instructions"]', '"instruction"]'))
    with pytest.raises(LexiconError, match=r"combinations\.toml, combination 1: unknown tags \['instruction'\]"):
        load(tmp_path, files)


def test_an_unknown_unless_tag_or_key_is_refused(tmp_path):
    files = write(tmp_path, rows=ROWS.replace('tags = ["explosive"]', 'tags = ["explosive"]\nunless = ["fireworks"]'))
    with pytest.raises(LexiconError, match=r"rows\.toml, term 1 .*unknown tags in unless \['fireworks'\]"):
        load(tmp_path, files)
    files = write(tmp_path, rows=ROWS.replace("tags = [", "tag = ["))
    with pytest.raises(LexiconError, match=r"rows\.toml, term 1 .*unknown keys \['tag'\]"):
        load(tmp_path, files)


def test_a_row_without_patterns_is_refused(tmp_path):
    files = write(tmp_path, rows=ROWS.replace('patterns = ["step by step"]', "patterns = []"))
    with pytest.raises(LexiconError, match=r"rows\.toml, term 2 \('how-to'\): .*at least one pattern"):
        load(tmp_path, files)


def test_the_fingerprint_changes_with_any_byte_of_a_file(tmp_path):
    directory = tmp_path / "lexicon"
    shutil.copytree(lexicon.DIRECTORY, directory)
    assert load(directory)[3][:10] == lexicon.fingerprint()
    path = directory / "violence.toml"
    data = bytearray(path.read_bytes())
    data[data.index(b"#") + 1 : data.index(b"#") + 2] = b"-"  # a comment: the rows stay the same
    path.write_bytes(bytes(data))
    entries, _combinations, _names, digest = load(directory)
    assert entries == lexicon.ENTRIES
    assert digest[:10] != lexicon.fingerprint()


def test_every_file_in_the_directory_is_declared():
    assert sorted(path.name for path in lexicon.DIRECTORY.glob("*.toml")) == sorted(lexicon.FILES)


def test_ids_are_positions_and_every_row_has_a_pattern():
    assert lexicon.ENTRIES
    for position, entry in enumerate(lexicon.ENTRIES):
        assert entry.id == position
        assert entry.patterns and all(isinstance(p, str) and p.strip() == p and p for p in entry.patterns)


def test_the_celebrity_names_stay_a_block_of_lines():
    names = lexicon.CELEBRITIES.strip().splitlines()
    assert "taylor swift" in names
    assert [e.patterns for e in lexicon.ENTRIES if e.label == "celebrity"] == [tuple(names)]
