"""Inter-annotator agreement: span F1, token-level Cohen's kappa, Krippendorff's alpha.

Served by ``GET /api/projects/{pid}/agreement/`` (API.md "Agreement") and used by the
dashboard. Everything is computed from a fixed number of queries (completed statuses,
labels, spans, document texts), whatever the size of the project.

Definitions
-----------
*Qualifying documents* are those of the project that two or more users marked complete
(``DocumentStatus.status == "complete"``). Only the annotator layers (``Span.gold`` false)
of the users who completed a qualifying document count; a layer still in progress, gold,
and documents completed by a single person are ignored.

*Span F1* between two annotators A and B is symmetric: ``2·m / (|A| + |B|)`` where ``m``
is the number of matched spans, pooled over the documents both completed (micro-averaged).

- ``f1_exact``: a match is a span present in both layers with the same start, end and
  label (a layer cannot hold the same span twice, so this is a set intersection).
- ``f1_overlap``: a match pairs one span of A with one span of B of the same label whose
  character ranges share at least one code point (``a.start < b.end and b.start <
  a.end``); each span is matched at most once, and ``m`` is the size of a *maximum*
  one-to-one matching (SciPy's ``maximum_bipartite_matching``), so the result does not
  depend on span order. An exact match is an overlap match, so ``f1_overlap >= f1_exact``.

*Tokens* come from ``annotator.tokens.parse`` (spaCy's rule-based English tokenizer);
whitespace tokens are skipped. A token is *covered* by a span when they share at least
one code point, so a span that cuts a word still labels that word.

- Multi-class token labels (overall kappa and alpha): each token gets the label of a
  covering span, or ``"O"``. When several spans of one annotator cover a token (possible
  only in projects that allow overlap) the span that starts first wins; then the longer
  one; then the label that comes first in the project's label order.
- Per-label (binary) kappa and alpha: a token is "L" when *any* span of label L covers it,
  otherwise "not L", so overlapping spans of other labels cannot hide it.

*Cohen's kappa* (per pair) is scikit-learn's ``cohen_kappa_score`` over the concatenated
token labels of the documents both annotators completed. *Krippendorff's alpha* (nominal)
comes from the ``krippendorff`` package over every token of every qualifying document
(units) and every annotator who completed at least one of them (coders); a coder who did
not complete a document is a missing value for its tokens.

Per label, the project-wide ``f1_exact`` is micro-averaged over all pairs (matches and
spans of every pair pooled), so pairs sharing many documents weigh more than pairs
sharing one.

Undefined values are ``None`` (never NaN, which is not valid JSON):

- F1 when neither side has a span (nothing to compare);
- kappa when the two token sequences hold one and the same single value (e.g. neither
  annotator used label L: chance agreement is 1 and kappa is 0/0), or there are no tokens;
- alpha when the data hold fewer than two distinct values.

Pairs of annotators who share no completed document are left out of ``pairwise``. Every
span label of the project appears in each ``per_label``, in the project's label order.

*Document labels* (labels of kind ``document``, given to whole documents) are compared
per label, the unit being a qualifying document: an annotator who completed it either gave
it the label or did not. Each pair gets ``document_labels``: ``{label: {"kappa"}}``, Cohen's
kappa over the documents both completed; the project gets ``document_labels``: ``{label:
{"kappa", "krippendorff_alpha"}}``, the mean of the pairs' kappas (Light's kappa; None when
no pair's is defined) and nominal alpha over every qualifying document (coders who did not
complete one: missing). Both keys appear only in projects that have document labels.

*Relation F1* (``relation_f1`` of each pair, in projects that have relation types): two
relations match when they have the same type and the same endpoints (start, end and label
of both spans); ``2·m / (|A| + |B|)`` pooled over the documents both completed, None when
neither drew one.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np
from django.db.models import Count, Exists, OuterRef
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from corpus.models import Document

from .categories import Category
from .models import DocumentStatus, Label, LabelKind, Project, Span, Status
from .relations import Relation, RelationType
from .tokens import parse

# Token label code for "no span": labels are 1..n in the project's label order.
OUTSIDE = 0

SpanTuple = tuple[int, int, int]  # (start, end, label code)


def empty_agreement() -> dict[str, Any]:
    """The result for a project without documents completed by two or more annotators."""
    return {"documents": 0, "krippendorff_alpha": None, "pairwise": [], "per_label": {}}


# --- loading: a fixed number of queries ---------------------------------------------------


@dataclass
class AgreementData:
    """Everything agreement needs, read from the database in four queries (and one more
    each for the document labels and the relations, in projects that have them)."""

    labels: list[str]  # label code i + 1 is labels[i]
    usernames: dict[int, str]  # user id -> username, for every completing annotator
    completed: dict[int, list[int]]  # qualifying document id -> user ids, sorted by name
    texts: dict[int, str]
    layers: dict[tuple[int, int], list[SpanTuple]] = field(default_factory=dict)
    document_labels: list[str] = field(default_factory=list)  # code i + 1 is [i]
    # (document id, user id) -> codes of the document labels given in that layer
    categories: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    has_relation_types: bool = False
    # (document id, user id) -> (type id, source (start, end, label), target (…)) relations
    relations: dict[tuple[int, int], set[tuple]] = field(default_factory=dict)


def load(project: Project, documents: Iterable[int] | None = None) -> AgreementData | None:
    """Read the qualifying documents, their completed layers and texts; None when none.

    ``documents`` restricts the computation to some document ids (one document's view).
    """
    complete = DocumentStatus.objects.filter(
        project=project, status=Status.COMPLETE, document__projects=project
    )
    if documents is not None:
        complete = complete.filter(document__in=list(documents))

    completed: dict[int, list[tuple[str, int]]] = defaultdict(list)
    usernames: dict[int, str] = {}
    for document_id, user_id, username in complete.values_list(
        "document_id", "user_id", "user__username"
    ):
        completed[document_id].append((username, user_id))
        usernames[user_id] = username
    qualifying = {
        document_id: [user_id for _, user_id in sorted(users)]
        for document_id, users in completed.items()
        if len(users) >= 2
    }
    if not qualifying:
        return None
    usernames = {user_id: usernames[user_id] for users in qualifying.values() for user_id in users}

    # The same subquery selects spans and texts, so the SQL stays the same size however
    # many documents qualify (a literal IN list would grow with the project).
    qualifying_ids = (
        complete.order_by()
        .values("document")
        .annotate(completions=Count("user"))
        .filter(completions__gte=2)
        .values("document")
    )
    # Whether the project has relation types comes with its labels: no query more.
    all_labels = list(
        Label.objects.filter(project=project)
        .annotate(relation_types=Exists(RelationType.objects.filter(project=project)))
        .values_list("id", "name", "kind", "relation_types")
    )
    label_rows = [(pk, name) for pk, name, kind, _ in all_labels if kind != LabelKind.DOCUMENT]
    document_rows = [(pk, name) for pk, name, kind, _ in all_labels if kind == LabelKind.DOCUMENT]
    code = {label_id: index for index, (label_id, _) in enumerate(label_rows, start=1)}
    data = AgreementData(
        labels=[name for _, name in label_rows],
        document_labels=[name for _, name in document_rows],
        usernames=usernames,
        completed=qualifying,
        texts=dict(Document.objects.filter(pk__in=qualifying_ids).values_list("id", "text")),
    )
    # Only the layers of users who completed the document: a layer still in progress is
    # not an annotation yet.
    completed_layer = DocumentStatus.objects.filter(
        project=project,
        document=OuterRef("document"),
        user=OuterRef("annotator"),
        status=Status.COMPLETE,
    )
    spans = (
        Span.objects.filter(project=project, gold=False, document__in=qualifying_ids)
        .filter(Exists(completed_layer))
        .order_by()
        .values_list("document_id", "annotator_id", "start", "end", "label_id")
    )
    for document_id, user_id, start, end, label_id in spans:
        data.layers.setdefault((document_id, user_id), []).append((start, end, code[label_id]))
    data.has_relation_types = any(row[3] for row in all_labels)
    if data.has_relation_types:
        drawn = (
            Relation.objects.filter(project=project, gold=False, document__in=qualifying_ids)
            .filter(Exists(completed_layer))
            .order_by()
            .values_list(
                "document_id",
                "annotator_id",
                "type_id",
                "source__start",
                "source__end",
                "source__label_id",
                "target__start",
                "target__end",
                "target__label_id",
            )
        )
        for document_id, user_id, type_id, *ends in drawn:
            key = (type_id, tuple(ends[:3]), tuple(ends[3:]))
            data.relations.setdefault((document_id, user_id), set()).add(key)
    if document_rows:
        document_code = {pk: index for index, (pk, _) in enumerate(document_rows, start=1)}
        given = (
            Category.objects.filter(project=project, gold=False, document__in=qualifying_ids)
            .filter(Exists(completed_layer))
            .order_by()
            .values_list("document_id", "annotator_id", "label_id")
        )
        for document_id, user_id, label_id in given:
            data.categories.setdefault((document_id, user_id), set()).add(document_code[label_id])
    return data


def document_label_values(
    data: AgreementData, code: int, document_ids: Sequence[int], user_id: int
) -> np.ndarray:
    """1 where the user's layer gives the document label ``code``, else 0, per document."""
    return np.array(
        [int(code in data.categories.get((d, user_id), ())) for d in document_ids], dtype=int
    )


# --- per document and pair ----------------------------------------------------------------


@lru_cache(maxsize=512)
def token_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets (code points) of the non-whitespace tokens of a text.

    Tokenizing is the largest single cost of agreement (about 3 ms for a 4,000-character
    article) and a pure function of the text, so the bounds of recent texts are cached
    per process (bounded: 512 texts and their ~12 kB of offsets each). The arrays are
    read-only because they are shared between calls.
    """
    tokens = [(token.idx, token.idx + len(token)) for token in parse(text) if not token.is_space]
    bounds = np.array(tokens, dtype=np.int64).reshape(-1, 2)
    starts, ends = bounds[:, 0].copy(), bounds[:, 1].copy()
    starts.flags.writeable = ends.flags.writeable = False
    return starts, ends


def token_labels(
    spans: Sequence[SpanTuple], starts: np.ndarray, ends: np.ndarray, n_labels: int
) -> tuple[np.ndarray, np.ndarray]:
    """One annotator's token labels for one document.

    Returns the multi-class codes (``OUTSIDE`` or a label code, one per token) and a
    boolean matrix ``covered[label_code - 1, token]`` for the binary per-label view.
    """
    codes = np.full(len(starts), OUTSIDE, dtype=np.int64)
    covered = np.zeros((n_labels, len(starts)), dtype=bool)
    # Tie rule for overlapping spans: first start, then longest, then label order wins,
    # so spans are visited in that order and never overwrite a token already labelled.
    ordered = sorted(spans, key=lambda s: (s[0], -s[1], s[2]))
    if not ordered:
        return codes, covered
    span_starts, span_ends, span_labels = np.array(ordered, dtype=np.int64).T
    # Tokens are sorted and disjoint, so the ones a span covers form one slice: those that
    # end after the span starts and start before it ends.
    firsts = np.searchsorted(ends, span_starts, side="right").tolist()
    lasts = np.searchsorted(starts, span_ends, side="left").tolist()
    for first, last, label in zip(firsts, lasts, span_labels.tolist(), strict=True):
        if first >= last:
            continue
        window = codes[first:last]
        window[window == OUTSIDE] = label
        covered[label - 1, first:last] = True
    return codes, covered


def exact_matches(a: Sequence[SpanTuple], b: Sequence[SpanTuple], n_labels: int) -> np.ndarray:
    """Matches per label (index = code - 1) for spans equal in start, end and label."""
    counts = np.zeros(n_labels, dtype=np.int64)
    for _, _, label in set(a) & set(b):
        counts[label - 1] += 1
    return counts


def overlap_matches(a: Sequence[SpanTuple], b: Sequence[SpanTuple], n_labels: int) -> np.ndarray:
    """Matches per label in a maximum one-to-one matching of same-label overlapping spans."""
    counts = np.zeros(n_labels, dtype=np.int64)
    if not a or not b:
        return counts
    a_start, a_end, a_label = np.array(a, dtype=np.int64).T
    b_start, b_end, b_label = np.array(b, dtype=np.int64).T
    # Every (A span, B span) pair at once: a layer holds tens of spans, so the
    # |A| × |B| comparison matrix is small.
    edges = (
        (a_label[:, None] == b_label[None, :])
        & (a_start[:, None] < b_end[None, :])
        & (b_start[None, :] < a_end[:, None])
    )
    if not edges.any():
        return counts
    # For each span of A, the index of its partner in B, or -1.
    partner = maximum_bipartite_matching(csr_matrix(edges), perm_type="column")
    np.add.at(counts, a_label[partner >= 0] - 1, 1)
    return counts


def label_counts(spans: Iterable[SpanTuple], n_labels: int) -> np.ndarray:
    counts = np.zeros(n_labels, dtype=np.int64)
    for _, _, label in spans:
        counts[label - 1] += 1
    return counts


def f1(matches: int, total: int) -> float | None:
    """Symmetric F1 from matched spans and the spans of both sides; None when no spans."""
    return 2 * matches / total if total else None


def kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa (scikit-learn) of two label sequences; None when undefined."""
    if len(a) == 0 or a.min() == a.max() == b.min() == b.max():
        # One single value on both sides: chance agreement is 1 and kappa is 0/0
        # (scikit-learn would warn and return NaN).
        return None
    # scikit-learn takes ~2 s to import: every Django process would pay it at start-up.
    from sklearn.metrics import cohen_kappa_score

    value = float(cohen_kappa_score(a, b))
    return None if np.isnan(value) else value


def alpha(reliability_data: np.ndarray) -> float | None:
    """Nominal Krippendorff's alpha (coders × units, NaN = missing); None when undefined."""
    if np.isnan(reliability_data).all() or np.nanmin(reliability_data) == np.nanmax(
        reliability_data
    ):
        # The krippendorff package refuses a one-value domain (expected disagreement 0).
        return None
    value = float(
        krippendorff.alpha(reliability_data=reliability_data, level_of_measurement="nominal")
    )
    return None if np.isnan(value) else value


def missing_as_nan(values: np.ndarray) -> np.ndarray:
    """An int8 coders × units block with -1 for missing, as floats with NaN for missing."""
    result = values.astype(float)
    result[values < 0] = np.nan
    return result


@dataclass
class DocumentTokens:
    """One document's token labels per annotator who completed it."""

    codes: dict[int, np.ndarray]
    covered: dict[int, np.ndarray]


def document_tokens(data: AgreementData, document_id: int) -> DocumentTokens:
    starts, ends = token_bounds(data.texts[document_id])
    result = DocumentTokens({}, {})
    for user_id in data.completed[document_id]:
        spans = data.layers.get((document_id, user_id), [])
        codes, covered = token_labels(spans, starts, ends, len(data.labels))
        result.codes[user_id] = codes
        result.covered[user_id] = covered
    return result


@dataclass
class PairCounts:
    """Span counts for one pair of annotators, per label, pooled over documents."""

    documents: int = 0
    exact: np.ndarray | None = None
    overlap: np.ndarray | None = None
    total: np.ndarray | None = None  # spans of A plus spans of B

    def add(self, exact: np.ndarray, overlap: np.ndarray, total: np.ndarray) -> None:
        self.documents += 1
        if self.exact is None:
            self.exact, self.overlap, self.total = exact, overlap, total
        else:
            self.exact = self.exact + exact
            self.overlap = self.overlap + overlap
            self.total = self.total + total


def pair_counts(
    data: AgreementData, document_id: int, a: int, b: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exact matches, overlap matches, |A| + |B|) per label for one pair on one document."""
    n = len(data.labels)
    spans_a = data.layers.get((document_id, a), [])
    spans_b = data.layers.get((document_id, b), [])
    return (
        exact_matches(spans_a, spans_b, n),
        overlap_matches(spans_a, spans_b, n),
        label_counts(spans_a, n) + label_counts(spans_b, n),
    )


# --- public API ---------------------------------------------------------------------------


def compute(data: AgreementData) -> dict[str, Any]:
    """The API.md agreement result from loaded data."""
    labels = data.labels
    n = len(labels)
    document_ids = sorted(data.completed)
    tokens = {document_id: document_tokens(data, document_id) for document_id in document_ids}

    pairs: dict[tuple[int, int], PairCounts] = defaultdict(PairCounts)
    pair_documents: dict[tuple[int, int], list[int]] = defaultdict(list)
    for document_id in document_ids:
        for a, b in combinations(data.completed[document_id], 2):
            pairs[a, b].add(*pair_counts(data, document_id, a, b))
            pair_documents[a, b].append(document_id)

    pairwise = []
    for (a, b), counts in sorted(
        pairs.items(), key=lambda item: (data.usernames[item[0][0]], data.usernames[item[0][1]])
    ):
        shared = pair_documents[a, b]
        codes_a = np.concatenate([tokens[d].codes[a] for d in shared])
        codes_b = np.concatenate([tokens[d].codes[b] for d in shared])
        covered_a = np.concatenate([tokens[d].covered[a] for d in shared], axis=1)
        covered_b = np.concatenate([tokens[d].covered[b] for d in shared], axis=1)
        document_kappas = {
            name: kappa(
                document_label_values(data, i, shared, a),
                document_label_values(data, i, shared, b),
            )
            for i, name in enumerate(data.document_labels, start=1)
        }
        pairwise.append(
            {
                "a": data.usernames[a],
                "b": data.usernames[b],
                "documents": counts.documents,
                "f1_exact": f1(int(counts.exact.sum()), int(counts.total.sum())),
                "f1_overlap": f1(int(counts.overlap.sum()), int(counts.total.sum())),
                "kappa": kappa(codes_a, codes_b),
                "per_label": {
                    name: {
                        "f1_exact": f1(int(counts.exact[i]), int(counts.total[i])),
                        "f1_overlap": f1(int(counts.overlap[i]), int(counts.total[i])),
                        "kappa": kappa(covered_a[i], covered_b[i]),
                    }
                    for i, name in enumerate(labels)
                },
            }
        )
        if data.has_relation_types:
            matched = total = 0
            for d in shared:
                mine, theirs = data.relations.get((d, a), set()), data.relations.get((d, b), set())
                matched += len(mine & theirs)
                total += len(mine) + len(theirs)
            pairwise[-1]["relation_f1"] = f1(matched, total)
        if data.document_labels:
            pairwise[-1]["document_labels"] = {
                name: {"kappa": value} for name, value in document_kappas.items()
            }

    # Reliability data: one row per coder, one column per token of every qualifying
    # document; NaN where the coder did not complete that document.
    coders = sorted(data.usernames, key=data.usernames.__getitem__)
    row = {user_id: index for index, user_id in enumerate(coders)}
    widths = [len(next(iter(tokens[d].codes.values()))) for d in document_ids]
    units = sum(widths)
    codes = np.full((len(coders), units), np.nan)
    # Binary views as int8 with -1 for missing (an eighth of float64's memory for the
    # labels × coders × tokens block); each label becomes floats with NaN only when used.
    covered = np.full((n, len(coders), units), -1, dtype=np.int8)
    offset = 0
    for document_id, width in zip(document_ids, widths, strict=True):
        for user_id in data.completed[document_id]:
            codes[row[user_id], offset : offset + width] = tokens[document_id].codes[user_id]
            covered[:, row[user_id], offset : offset + width] = tokens[document_id].covered[user_id]
        offset += width

    exact_all = sum((c.exact for c in pairs.values()), np.zeros(n, dtype=np.int64))
    total_all = sum((c.total for c in pairs.values()), np.zeros(n, dtype=np.int64))
    result = {
        "documents": len(document_ids),
        "krippendorff_alpha": alpha(codes),
        "pairwise": pairwise,
        "per_label": {
            name: {
                "f1_exact": f1(int(exact_all[i]), int(total_all[i])),
                "krippendorff_alpha": alpha(missing_as_nan(covered[i])),
            }
            for i, name in enumerate(labels)
        },
    }
    if data.document_labels:
        result["document_labels"] = document_label_agreement(data, coders, pairwise)
    return result


def document_label_agreement(
    data: AgreementData, coders: list[int], pairwise: list[dict[str, Any]]
) -> dict[str, dict[str, float | None]]:
    """Per document label: the mean of the pairs' kappas, and nominal alpha with the
    qualifying documents as units (missing where a coder did not complete one)."""
    document_ids = sorted(data.completed)
    result = {}
    for i, name in enumerate(data.document_labels, start=1):
        values = np.full((len(coders), len(document_ids)), np.nan)
        for column, document_id in enumerate(document_ids):
            for row, user_id in enumerate(coders):
                if user_id in data.completed[document_id]:
                    given = data.categories.get((document_id, user_id), ())
                    values[row, column] = float(i in given)
        kappas = [
            pair["document_labels"][name]["kappa"]
            for pair in pairwise
            if pair["document_labels"][name]["kappa"] is not None
        ]
        result[name] = {
            "kappa": sum(kappas) / len(kappas) if kappas else None,
            "krippendorff_alpha": alpha(values),
        }
    return result


def project_agreement(project: Project) -> dict[str, Any]:
    """Agreement over the documents two or more annotators completed (API.md shape)."""
    data = load(project)
    return empty_agreement() if data is None else compute(data)


def document_agreement(project: Project, document: Document | int) -> dict[str, Any]:
    """The same result restricted to one document (empty if fewer than two completed it)."""
    document_id = document if isinstance(document, int) else document.pk
    data = load(project, documents=[document_id])
    return empty_agreement() if data is None else compute(data)


def documents_by_agreement(project: Project) -> list[tuple[int, float | None]]:
    """(document id, mean exact-match F1 over its annotator pairs), lowest first.

    For the dashboard's "lowest agreement" list. A pair in which neither annotator tagged
    anything has no F1 and is left out of the mean; a document with no defined pair gets
    None and comes last. Ties go by document id.
    """
    data = load(project)
    if data is None:
        return []
    result = []
    for document_id in sorted(data.completed):
        scores = []
        for a, b in combinations(data.completed[document_id], 2):
            exact, _, total = pair_counts(data, document_id, a, b)
            score = f1(int(exact.sum()), int(total.sum()))
            if score is not None:
                scores.append(score)
        result.append((document_id, sum(scores) / len(scores) if scores else None))
    result.sort(key=lambda item: (item[1] is None, item[1] or 0.0, item[0]))
    return result
