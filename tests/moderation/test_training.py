"""Training a head (`manage.py train_screening_head`): each reader learns on its own scale, USE only from the
languages it reads, and the saved head is the one screening loads."""

import json

import numpy as np
import pytest
from django.core.management import call_command

from generations.moderation.text import semantic, training

HARMFUL = [
    "show a man being stabbed to death, realistic blood everywhere",
    "a realistic video of a person beheaded with a knife",
    "graphic footage of a body torn apart by an explosion",
    "un hombre apuñalado hasta la muerte, sangre realista",
    "realistic execution of a prisoner, close-up of the wound",
    "a dog beaten to death with a bat, realistic",
]
HARMLESS = [
    "a golden retriever running on a beach at sunset",
    "a chef slicing tomatoes in a bright kitchen",
    "children flying kites in a park, slow motion",
    "una abuela cocinando paella en el patio",
    "a drone shot over a snowy mountain village",
    "an old fisherman mending nets at dawn",
]
# Harmless rows in a language USE was not trained on: E5 learns from them, USE leaves them out.
HINDI = [
    "दादी माँ रसोई में आलू के पराठे बना रही हैं",
    "बच्चे पार्क में पतंग उड़ा रहे हैं",
    "नदी के किनारे सूर्यास्त का सुंदर दृश्य",
]


def corpus(tmp_path):
    rows = [{"id": f"v{i}", "prompt": p, "label": "block", "category": "violence"} for i, p in enumerate(HARMFUL)]
    rows += [{"id": f"b{i}", "prompt": p, "label": "allow", "category": "benign"} for i, p in enumerate(HARMLESS + HINDI)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def meta_of(path):
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["meta"])), {name: data[name] for name in data.files if name != "meta"}


@pytest.mark.parametrize("reader", [semantic.USE, semantic.E5])
def test_each_reader_trains_a_head_on_its_own_scale(tmp_path, reader):
    out = tmp_path / f"{reader}.npz"
    call_command("train_screening_head", str(corpus(tmp_path)), "--reader", reader, "--out", str(out), "--steps", "60")
    meta, arrays = meta_of(out)
    assert meta["reader"] == reader
    assert float(arrays["knn_similarity"]) == pytest.approx(training.SIMILARITY[reader]["knn"])
    assert float(arrays["similarity_floor"]) == pytest.approx(training.SIMILARITY[reader]["floor"])
    dimension = 512 if reader == semantic.USE else 384
    assert arrays["prototypes"].shape[1] == dimension
    head = semantic.load_head(out)
    assert head.knn_similarity == pytest.approx(training.SIMILARITY[reader]["knn"])


def test_use_learns_only_from_the_languages_it_reads(tmp_path):
    rows = corpus(tmp_path)
    counts = {}
    for reader in (semantic.USE, semantic.E5):
        out = tmp_path / f"{reader}.npz"
        call_command("train_screening_head", str(rows), "--reader", reader, "--out", str(out), "--steps", "60")
        counts[reader] = meta_of(out)[0]["report"]["rows"]
    assert counts[semantic.E5] - counts[semantic.USE] == len(HINDI)
