"""Training and calibrating the semantic head (offline; `manage.py train_screening_head`).

Rows are labelled prompts in the shared/eval schema (a harmful row with no known category, like an
obfuscation row, takes the category the lexicon finds in it). Each row gives two targets per category: "at least
review" and "block". The targets come from the row's category (art_nudity counts as sexual; sexual_minors as
both sexual_minors and sexual; prompt_injection as injection; an obfuscation row as the category the lexicon
finds once the text is unmasked, since its label is that of the unmasked prompt) and its label.

Features: the encoder's embedding of the prompt and the lexicon's scores for it (so the head learns when a
lexicon hint is a real signal and when context makes it harmless).

Model: per target a logistic regression with L2 regularisation and balanced class weights, fitted by
gradient descent in numpy (1,500 rows x 520 features: a second or two).

Calibration: thresholds are chosen on out-of-fold probabilities (k-fold: every row is scored by a model that
never saw it), never on the fitted model's own training scores. Per category, the review threshold is the
lowest that flags at most REVIEW_FALSE_RATE of the allowed rows; the block threshold the lowest that blocks
at most BLOCK_FALSE_RATE of the allowed rows and at most REVIEW_BLOCK_RATE of the category's review rows.
Blocking a review row is a cost (a human would have allowed some of them), but a smaller one than letting a
block row through, so the review band borrows less of the block band's recall than a single rate would.
"""

import hashlib
import json
import re

import numpy as np

from generations.moderation.text import decode, semantic
from generations.moderation.text.detectors import analyze, without_names
from generations.moderation.text.semantic import HEAD_CATEGORIES, features

FOLDS = 5
BLOCK_FALSE_RATE = 0.005
REVIEW_FALSE_RATE = 0.015
REVIEW_BLOCK_RATE = 0.2
GATE_MARGIN = 0.0
# Each encoder places texts on its own scale of cosine similarity (two unrelated prompts: ~0.1 for USE, ~0.75
# for E5), so the gate's floor and the paraphrase rule's similarity and margin are set per reader. E5's are
# USE's carried over by quantile: the same share of labelled pairs in the corpora lies above each (measured
# on the training corpora, see the README).
SIMILARITY = {
    semantic.USE: {"floor": 0.45, "knn": semantic.KNN_SIMILARITY, "margin": semantic.KNN_MARGIN},
    semantic.E5: {"floor": 0.87, "knn": 0.935, "margin": 0.015},
}
SIMILARITY_FLOOR = SIMILARITY[semantic.USE]["floor"]  # a text like nothing in the corpus ("hi") gets no say
_CATEGORY_TARGETS = {
    "sexual": ("sexual",),
    "art_nudity": ("sexual",),
    "sexual_minors": ("sexual_minors", "sexual"),
    "violence": ("violence",),
    "self_harm": ("self_harm",),
    "deepfake": ("deepfake",),
    "illegal": ("illegal",),
    "political": ("political",),
    "prompt_injection": ("injection",),
}


def targets(row, lexicon_scores):
    """(review targets, block targets): two 0/1 vectors over HEAD_CATEGORIES."""
    label = row["label"]
    category = row.get("category", "")
    if category == "obfuscation" or (category not in _CATEGORY_TARGETS and label != "allow"):
        harmful = {c: s for c, s in lexicon_scores.items() if s > 0 and c not in ("injection", "political")}
        cats = (max(harmful, key=harmful.get),) if harmful else ()
        if "sexual_minors" in cats:
            cats = ("sexual_minors", "sexual")
    else:
        cats = _CATEGORY_TARGETS.get(category, ())
    review = np.zeros(len(HEAD_CATEGORIES), dtype=np.float32)
    block = np.zeros(len(HEAD_CATEGORIES), dtype=np.float32)
    if label in ("review", "block"):
        for c in cats:
            review[HEAD_CATEGORIES.index(c)] = 1.0
    if label == "block":
        for c in cats:
            block[HEAD_CATEGORIES.index(c)] = 1.0
    return review, block


def example_text(prompt, wordlike=None):
    """The text an example teaches: a decoded reading when the prompt hides its words (base64, ROT13,
    reversed, ...), then unmasked the way the encoder reads at screening time."""
    decoded = [text for name, text in decode.decoded_views(prompt, wordlike) if name in decode.READINGS]
    return semantic.reading(decoded[0] if decoded else prompt)


def build(rows, encoder):
    """Features and targets for the rows (the embedding is of the whole prompt's reading)."""
    texts = [example_text(row["prompt"], semantic.wordlike) for row in rows]
    vectors = encoder.encode(texts)
    X, Y = [], []
    for row, vector in zip(rows, vectors, strict=False):
        lexicon_scores = analyze(row["prompt"], row.get("negative_prompt", "")).scores
        X.append(features(vector, lexicon_scores))
        review, block = targets(row, lexicon_scores)
        Y.append(np.concatenate([review, block]))
    return np.array(X, dtype=np.float32), np.array(Y, dtype=np.float32)


def fit(X, Y, *, l2=1.0, steps=400, lr=0.5):
    """Logistic regressions for every column of Y at once: (weights, bias, mean, scale)."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0) + 1e-6
    Z = (X - mean) / scale
    n, d = Z.shape
    k = Y.shape[1]
    W = np.zeros((k, d), dtype=np.float64)
    b = np.zeros(k, dtype=np.float64)
    pos = Y.sum(axis=0)
    # Balanced weights: positives and negatives count equally in each target's loss.
    w_pos = np.where(pos > 0, n / (2.0 * np.maximum(pos, 1)), 0.0)
    w_neg = n / (2.0 * np.maximum(n - pos, 1))
    sample_w = Y * w_pos + (1 - Y) * w_neg
    m_W, v_W = np.zeros_like(W), np.zeros_like(W)
    m_b, v_b = np.zeros_like(b), np.zeros_like(b)
    for step in range(1, steps + 1):
        P = 1.0 / (1.0 + np.exp(-np.clip(Z @ W.T + b, -30, 30)))
        G = (P - Y) * sample_w / n
        g_W = G.T @ Z + l2 * W / n
        g_b = G.sum(axis=0)
        # Adam: robust to the very different scales of sparse targets.
        m_W = 0.9 * m_W + 0.1 * g_W
        v_W = 0.999 * v_W + 0.001 * g_W**2
        m_b = 0.9 * m_b + 0.1 * g_b
        v_b = 0.999 * v_b + 0.001 * g_b**2
        W -= lr * 0.02 * (m_W / (1 - 0.9**step)) / (np.sqrt(v_W / (1 - 0.999**step)) + 1e-8)
        b -= lr * 0.02 * (m_b / (1 - 0.9**step)) / (np.sqrt(v_b / (1 - 0.999**step)) + 1e-8)
    # Targets with no positives never fire.
    b = np.where(pos > 0, b, -30.0)
    return W.astype(np.float32), b.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32)


def predict(model, X):
    W, b, mean, scale = model
    Z = (X - mean) / scale
    return 1.0 / (1.0 + np.exp(-np.clip(Z @ W.T + b, -30, 30)))


def gate(P, vectors, prototypes, targets, allowed, margin=GATE_MARGIN, floor=SIMILARITY_FLOOR):
    """The nearest-example gate, as `semantic.Head` applies it: a probability only counts when the text is
    nearer (by `margin`) to an example of that category and level than to any allowed example."""
    sims = vectors @ prototypes.T
    nearest_allowed = np.where(allowed[None, :], sims, -1.0).max(axis=1)
    out = P.copy()
    for j in range(targets.shape[1]):
        positives = targets[:, j] == 1
        nearest = np.where(positives[None, :], sims, -1.0).max(axis=1) if positives.any() else np.full(len(P), -1.0)
        out[(nearest <= nearest_allowed + margin) | (nearest < floor), j] = 0.0
    return out


def out_of_fold(X, Y, allowed, *, seed=7, floor=SIMILARITY_FLOOR, **kwargs):
    """Every row's gated probabilities from a model (and prototypes) of the other folds."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    P = np.zeros_like(Y)
    dim = X.shape[1] - len(HEAD_CATEGORIES)
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train = np.setdiff1d(order, test)
        raw = predict(fit(X[train], Y[train], **kwargs), X[test])
        P[test] = gate(raw, X[test, :dim], X[train, :dim], Y[train], allowed[train], floor=floor)
    return P


def _threshold(scores_neg, rate, floor):
    """The lowest threshold above which at most `rate` of the negatives fall (never below `floor`)."""
    if len(scores_neg) == 0:
        return floor
    allowed = int(np.floor(rate * len(scores_neg)))
    ranked = np.sort(scores_neg)[::-1]
    cut = ranked[allowed] if allowed < len(ranked) else 0.0
    return float(max(floor, cut + 1e-4))


def calibrate(P, Y, labels):
    """Per category: review_at from the allowed rows; block_at from the allowed rows and the category's review
    rows (each with its own rate)."""
    k = len(HEAD_CATEGORIES)
    review_at = np.zeros(k, dtype=np.float32)
    block_at = np.zeros(k, dtype=np.float32)
    allowed = np.array([label == "allow" for label in labels])
    for i in range(k):
        review_at[i] = _threshold(P[allowed, i], REVIEW_FALSE_RATE, 0.5)
        held_only = (Y[:, i] == 1) & (Y[:, k + i] == 0)  # review rows of the category
        block_at[i] = max(_threshold(P[allowed, k + i], BLOCK_FALSE_RATE, 0.6),
                          _threshold(P[held_only, k + i], REVIEW_BLOCK_RATE, 0.6))
    return review_at, block_at


def teaches(row):
    """Whether the row's prompt text carries its label. A harmful row that carries a negative prompt may owe
    its label to the negative prompt (a harmless scene whose negative prompt removes the clothes): its prompt
    would teach that a woman on a beach is sexual, so it is left to the negative-prompt rules."""
    return not (row.get("negative_prompt", "").strip() and row.get("label") != "allow")


def contrast(row):
    """The harmful example with the words that made it harmful taken out, as an allowed example ("nude woman
    walking on a beach" -> "woman walking on a beach"). Sentence encoders weigh the scene more than the one
    word that changes its meaning; these pairs teach the head where the meaning sits. Only when the lexicon
    found every harmful word in the text as written and finds nothing in what is left."""
    if row.get("label") != "block":
        return None
    prompt = row["prompt"]
    ctx = analyze(prompt)
    spans = [ev for result in ctx.results for ev in result.evidence if ev.categories]
    if not spans or any(ev.view != "raw" for ev in spans):
        return None
    keep, last = [], 0
    for ev in sorted(spans, key=lambda ev: ev.start):
        if ev.start >= last:
            keep.append(prompt[last:ev.start])
            last = ev.end
    keep.append(prompt[last:])
    rest = re.sub(r"\s+", " ", re.sub(r"\s+([,.;:!?])", r"\1", "".join(keep))).strip(" ,.;:-")
    if len(rest.split()) < 3 or any(analyze(rest).scores.values()):
        return None
    return {"id": f"{row.get('id', '')}~contrast", "prompt": rest, "label": "allow", "category": "benign",
            "technique": "contrast"}


def train(rows, encoder, *, reader=semantic.USE, **kwargs):
    """Fit on all rows (and their contrast pairs), thresholds from out-of-fold scores. Returns the arrays to
    save and a report. `reader` names the encoder (its similarity scale: SIMILARITY). USE learns only from rows in
    the languages it reads (elsewhere its embedding is noise, and those texts go to E5 anyway); E5 from all."""
    similarity = SIMILARITY[reader]
    rows = [row for row in rows if teaches(row) and (reader != semantic.USE or semantic.covers(example_text(row["prompt"], semantic.wordlike)))]
    rows += [pair for pair in map(contrast, rows) if pair is not None]
    X, Y = build(rows, encoder)
    labels = [row["label"] for row in rows]
    # Contrast pairs teach the regressions; they are no prototypes for the gate (each sits right beside a
    # harmful example, so a new harmful text would find an "allowed" twin as near as its harmful one).
    allowed = np.array([label == "allow" and row.get("technique") != "contrast" for label, row in zip(labels, rows, strict=False)])
    P = out_of_fold(X, Y, allowed, floor=similarity["floor"], **kwargs)
    review_at, block_at = calibrate(P, Y, labels)
    W, b, mean, scale = fit(X, Y, **kwargs)
    dim = X.shape[1] - len(HEAD_CATEGORIES)
    arrays = {
        "gate_margin": np.array(GATE_MARGIN, dtype=np.float32),
        "similarity_floor": np.array(similarity["floor"], dtype=np.float32),
        "knn_similarity": np.array(similarity["knn"], dtype=np.float32),
        "knn_margin": np.array(similarity["margin"], dtype=np.float32),
        "weights": W, "bias": b, "mean": mean, "scale": scale, "review_at": review_at, "block_at": block_at,
        "categories": np.array(HEAD_CATEGORIES),
        # Prototypes: the labelled examples themselves. The head only speaks for a category when the text is
        # nearer to an example of that category than to any allowed example (a gate against texts unlike
        # anything it learnt from, where a linear model extrapolates).
        "prototypes": X[:, :dim].astype(np.float16),
        "prototype_targets": Y.astype(np.uint8),
        "prototype_allowed": allowed,
    }
    k = len(HEAD_CATEGORIES)
    report = {"rows": len(rows), "categories": {}}
    for i, category in enumerate(HEAD_CATEGORIES):
        pos_r, pos_b = Y[:, i] == 1, Y[:, k + i] == 1
        report["categories"][category] = {
            "review_positives": int(pos_r.sum()),
            "block_positives": int(pos_b.sum()),
            "review_at": round(float(review_at[i]), 4),
            "block_at": round(float(block_at[i]), 4),
            "oof_review_recall": round(float((P[pos_r, i] >= review_at[i]).mean()), 3) if pos_r.any() else None,
            "oof_block_recall": round(float((P[pos_b, k + i] >= block_at[i]).mean()), 3) if pos_b.any() else None,
        }
    return arrays, report


def corpus_fingerprint(paths):
    digest = hashlib.sha256()
    for path in sorted(paths):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:12]


def save(path, arrays, meta):
    np.savez(path, **arrays, meta=np.array(json.dumps(meta, sort_keys=True)))


ACT_FLOOR = 0.6  # the act reader never blocks below this probability, whatever the calibration allows
ACT_REVIEW_BLOCK_RATE = 0.03  # ... and blocks at most this share of held (review) rows out of fold


def act_rows(rows):
    """The rows that teach the likeness act reader: prompts in which the lexicon finds a named real person,
    each as (text with the names set aside, 1 when the label blocks it)."""
    out = []
    for row in rows:
        if row["label"] not in ("allow", "review", "block"):
            continue
        ctx = analyze(row["prompt"])
        if "real_named" in ctx.tags and ctx.named_spans:
            out.append((without_names(row["prompt"], ctx.named_spans), 1.0 if row["label"] == "block" else 0.0))
    return out


def train_acts(rows, encoder, *, l2=1.0, steps=400, seed=7):
    """Fit the act reader (semantic.ActReader) on the rows naming a real person; its threshold is the lowest
    that blocks at most ACT_REVIEW_BLOCK_RATE of the other rows out of fold, and never under ACT_FLOOR."""
    pairs = act_rows(rows)
    if not pairs or len({y for _, y in pairs}) < 2:
        raise ValueError("The act reader needs rows naming a real person, both blocked and not.")
    X = np.array(encoder.encode([semantic.reading(text) for text, _ in pairs]), dtype=np.float32)
    y = np.array([[label] for _, label in pairs], dtype=np.float32)
    folds = np.random.default_rng(seed).integers(0, FOLDS, len(y))
    P = np.zeros(len(y))
    for k in range(FOLDS):
        model = fit(X[folds != k], y[folds != k], l2=l2, steps=steps)
        P[folds == k] = predict(model, X[folds == k])[:, 0]
    block_at = _threshold(P[y[:, 0] == 0], ACT_REVIEW_BLOCK_RATE, ACT_FLOOR)
    W, b, mean, scale = fit(X, y, l2=l2, steps=steps)
    arrays = {"weights": W[0], "bias": np.array(b[0], dtype=np.float32), "mean": mean, "scale": scale,
              "block_at": np.array(block_at, dtype=np.float32)}
    positives = y[:, 0] == 1
    report = {"rows": len(y), "blocked_rows": int(positives.sum()), "block_at": round(block_at, 4),
              "oof_block_recall": round(float((P[positives] >= block_at).mean()), 3),
              "oof_other_rows_blocked": round(float((P[~positives] >= block_at).mean()), 3)}
    return arrays, report
