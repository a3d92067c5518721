"""Named-entity models in spaCy, knowing nothing of Django: a blank pipeline (``tok2vec``
then ``ner``, CPU, no downloaded weights: DESIGN.md, "Models") trained on gold spans,
serialised to bytes, scored on held-out documents and used to suggest spans with a score.

Offsets are code points, as everywhere in Margin and in spaCy. A gold span that does not
fall on token boundaries is widened to the tokens it touches (``alignment_mode="expand"``);
spans that overlap one another (a project may allow overlap) cannot all be NER entities, so
the longest of each overlapping group is kept (``spacy.util.filter_spans``).
"""

import hashlib
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import filter_spans, fix_random_seed, minibatch

LANGUAGE = "en"  # projects have no language of their own yet (as ``rules.LANGUAGE``)

# Small on purpose: a run over a few hundred news articles takes seconds to a minute on two
# cores, and a model is a couple of megabytes stored with its project.
WIDTH = 64
CONFIG: dict[str, Any] = {
    "language": LANGUAGE,
    "width": WIDTH,
    "embed_rows": [2000, 1000, 1000, 1000],
    "depth": 2,
    "window": 1,
    "hidden_width": 64,
    "iterations": 10,
    # A first model learns from a handful of documents: ten passes over ten of them are
    # too few updates to predict anything, so small sets get more passes (up to 100).
    "min_updates": 200,
    "batch_size": 8,
    "dropout": 0.1,
    "seed": 0,
    "beam_width": 8,
}

# One document in this many (by a hash of its id) is held out for evaluation.
EVALUATION_ONE_IN = 5

Span = tuple[int, int, str]  # (start, end, label) in code points


def in_evaluation(document_id: int) -> bool:
    """Whether the document belongs to the evaluation slice: a hash of its id, so that a
    document never moves between training and evaluation as the project grows."""
    digest = hashlib.sha256(f"margin-ner:{document_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % EVALUATION_ONE_IN == 0


def _pipeline(config: dict[str, Any]) -> Language:
    nlp = spacy.blank(config["language"])
    width = config["width"]
    nlp.add_pipe(
        "tok2vec",
        config={
            "model": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": width,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": config["embed_rows"],
                    "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": width,
                    "window_size": config["window"],
                    "maxout_pieces": 3,
                    "depth": config["depth"],
                },
            }
        },
    )
    nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "extra_state_tokens": False,
                "hidden_width": config["hidden_width"],
                "maxout_pieces": 2,
                "use_upper": True,
                "nO": None,
                "tok2vec": {
                    "@architectures": "spacy.Tok2VecListener.v1",
                    "width": width,
                    "upstream": "tok2vec",
                },
            }
        },
    )
    return nlp


def _entities(doc: Doc, spans: Iterable[Span]) -> list:
    found = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and len(span):
            found.append(span)
    return filter_spans(found)


@dataclass
class Trained:
    data: bytes
    config: dict[str, Any]
    seconds: float
    losses: list[float] = field(default_factory=list)


def train(
    texts: Sequence[str],
    gold: Sequence[Sequence[Span]],
    labels: Iterable[str],
    *,
    config: dict[str, Any] | None = None,
    progress: Callable[[float], None] = lambda done: None,
) -> Trained:
    """Train a pipeline on the texts and their gold spans; its bytes. ``progress`` is told
    the fraction done after each pass over the data."""
    config = {**CONFIG, **(config or {})}
    began = time.monotonic()
    fix_random_seed(config["seed"])
    nlp = _pipeline(config)
    ner = nlp.get_pipe("ner")
    for label in sorted(set(labels)):
        ner.add_label(label)
    examples = []
    for text, spans in zip(texts, gold, strict=True):
        doc = nlp.make_doc(text)
        reference = nlp.make_doc(text)
        reference.ents = _entities(reference, spans)
        examples.append(Example(doc, reference))
    optimizer = nlp.initialize(lambda: examples)
    shuffler = random.Random(config["seed"])
    losses_by_pass = []
    passes = _passes(len(examples), config)
    for done in range(passes):
        shuffler.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, config["batch_size"]):
            nlp.update(batch, sgd=optimizer, losses=losses, drop=config["dropout"])
        losses_by_pass.append(float(losses.get("ner", 0.0)))
        progress((done + 1) / passes)
    return Trained(nlp.to_bytes(), config, time.monotonic() - began, losses_by_pass)


MAX_PASSES = 100


def _passes(examples: int, config: dict[str, Any]) -> int:
    """``iterations`` passes, or more on a small set: enough for ``min_updates`` updates."""
    batches = max(1, -(-examples // config["batch_size"]))
    wanted = -(-config.get("min_updates", 0) // batches)
    return max(config["iterations"], min(wanted, MAX_PASSES))


def load(data: bytes, config: dict[str, Any]) -> Language:
    """A stored pipeline, ready to predict."""
    return _pipeline({**CONFIG, **config}).from_bytes(data)


@dataclass
class Prediction:
    spans: list[tuple[int, int, str, float]]  # (start, end, label, score)
    confidence: float  # the least sure call on the document: 1.0 when none was in doubt


def predict(
    nlp: Language,
    texts: Iterable[str],
    *,
    beam_width: int = CONFIG["beam_width"],
    batch_size: int = 32,
) -> Iterable[Prediction]:
    """Each text's entities with a score: the probability of the entity among the beam's
    parses (the greedy parse names the entities, the beam weighs them). A document's
    confidence is how sure the least sure candidate entity is (``max(p, 1 - p)``), so
    documents with entities in doubt come first in the ``uncertainty`` order."""
    ner = nlp.get_pipe("ner")
    for docs in minibatch(nlp.pipe(texts, batch_size=batch_size), batch_size):
        scored = ner.scored_ents(ner.beam_parse(docs, beam_width=beam_width))
        for doc, scores in zip(docs, scored, strict=True):
            spans = [
                (
                    ent.start_char,
                    ent.end_char,
                    ent.label_,
                    round(float(scores.get((ent.start, ent.end, ent.label_), 0.0)), 4),
                )
                for ent in doc.ents
            ]
            confidence = min((max(p, 1.0 - p) for p in scores.values()), default=1.0)
            yield Prediction(spans, round(float(confidence), 4))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


@dataclass
class Evaluation:
    metrics: dict[str, Any]
    # gold label → predicted label → count, at the same offsets ("" = nothing there)
    confusion: dict[str, dict[str, int]]
    # (document index, start, end, gold label or "", predicted label or "")
    errors: list[tuple[int, int, int, str, str]]


NONE = ""


def evaluate(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Iterable[str]
) -> Evaluation:
    """Exact-match precision, recall and F1 (overall and per label), a confusion table of
    labels at the same offsets, and every error, document by document."""
    hits: Counter = Counter()
    gold_count: Counter = Counter()
    predicted_count: Counter = Counter()
    confusion: dict[str, Counter] = defaultdict(Counter)
    errors = []
    for index, (truth, guess) in enumerate(zip(gold, predicted, strict=True)):
        truth_set, guess_set = set(truth), set(guess)
        by_place_truth = {(s, e): label for s, e, label in truth_set}
        by_place_guess = {(s, e): label for s, e, label in guess_set}
        for s, e, label in truth_set:
            gold_count[label] += 1
            if (s, e, label) in guess_set:
                hits[label] += 1
        for _s, _e, label in guess_set:
            predicted_count[label] += 1
        for place in sorted(by_place_truth.keys() | by_place_guess.keys()):
            truth_label = by_place_truth.get(place, NONE)
            guess_label = by_place_guess.get(place, NONE)
            confusion[truth_label][guess_label] += 1
            if truth_label != guess_label:
                errors.append((index, place[0], place[1], truth_label, guess_label))
    per_label = {}
    for label in sorted(set(labels) | gold_count.keys() | predicted_count.keys()):
        precision = _ratio(hits[label], predicted_count[label])
        recall = _ratio(hits[label], gold_count[label])
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "support": gold_count[label],
        }
    precision = _ratio(sum(hits.values()), sum(predicted_count.values()))
    recall = _ratio(sum(hits.values()), sum(gold_count.values()))
    if precision is None and recall is not None:
        precision = 0.0  # nothing predicted where there was something to find
    metrics = {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "per_label": per_label,
    }
    return Evaluation(metrics, {k: dict(v) for k, v in confusion.items()}, errors)
