"""Inter-annotator agreement: hand-worked values, scikit-learn on random data, scope, queries."""

import json
import random

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator import services
from annotator.agreement import (
    document_agreement,
    documents_by_agreement,
    empty_agreement,
    project_agreement,
)
from annotator.models import Membership, Role
from corpus.models import Document

# Seven words, one token each: "Kim" 0-3, "sent" 4-8, "artillery" 9-18, "shells" 19-25,
# "to" 26-28, "Moscow" 29-35, "." 35-36 — seven tokens.
TEXT = "Kim sent artillery shells to Moscow."
KIM, SENT, ARTILLERY, SHELLS, TO, MOSCOW = (0, 3), (4, 8), (9, 18), (19, 25), (26, 28), (29, 35)


@pytest.fixture(autouse=True)
def places_for_everyone(project):
    """Agreement is measured over as many annotators as a test brings to one document."""
    project.annotators_per_document = 10
    project.save()


@pytest.fixture
def labels(project):
    return {label.name: label for label in project.labels.all()}


@pytest.fixture
def carol(project, make_user):
    user = make_user("carol")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    return user


def new_document(project, text: str = TEXT, name: str = "doc") -> Document:
    document = Document.objects.create(title=name, text=text, external_id=name)
    project.documents.add(document)
    return document


def annotate(project, document, user, labels, spans, *, complete: bool = True) -> None:
    """Store ``spans`` [(start, end, label name)] in the user's layer, then complete."""
    items = [{"start": s, "end": e, "label": labels[name]} for s, e, name in spans]
    if items:
        services.spans_create(project=project, document=document, annotator=user, items=items)
    if complete:
        services.document_complete(project=project, document=document, user=user)


def span(bounds: tuple[int, int], label: str) -> tuple[int, int, str]:
    return (*bounds, label)


def only_pair(result: dict) -> dict:
    assert len(result["pairwise"]) == 1
    return result["pairwise"][0]


# --- shape and empty projects -------------------------------------------------------------


def test_project_without_documents_gives_the_empty_result(project, people):
    assert project_agreement(project) == {
        "documents": 0,
        "krippendorff_alpha": None,
        "pairwise": [],
        "per_label": {},
    }
    assert empty_agreement() == project_agreement(project)


def test_result_has_the_api_shape(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(ARTILLERY, "WEAPONS")])
    annotate(project, document, people["bob"], labels, [span(ARTILLERY, "WEAPONS")])

    result = project_agreement(project)

    assert set(result) == {"documents", "krippendorff_alpha", "pairwise", "per_label"}
    pair = only_pair(result)
    assert set(pair) == {"a", "b", "documents", "f1_exact", "f1_overlap", "kappa", "per_label"}
    assert list(pair["per_label"]) == ["WEAPONS", "PERSON", "LOCATION"]
    assert set(pair["per_label"]["WEAPONS"]) == {"f1_exact", "f1_overlap", "kappa"}
    assert list(result["per_label"]) == ["WEAPONS", "PERSON", "LOCATION"]
    assert set(result["per_label"]["WEAPONS"]) == {"f1_exact", "krippendorff_alpha"}
    assert (pair["a"], pair["b"], pair["documents"]) == ("alice", "bob", 1)


# --- hand-worked examples -----------------------------------------------------------------


def test_identical_layers_agree_perfectly(project, people, labels):
    document = new_document(project)
    spans = [span(KIM, "PERSON"), span((9, 25), "WEAPONS"), span(MOSCOW, "LOCATION")]
    annotate(project, document, people["alice"], labels, spans)
    annotate(project, document, people["bob"], labels, spans)

    result = project_agreement(project)
    pair = only_pair(result)

    assert (pair["f1_exact"], pair["f1_overlap"], pair["kappa"]) == (1.0, 1.0, 1.0)
    assert result["krippendorff_alpha"] == 1.0
    assert result["per_label"]["WEAPONS"] == {"f1_exact": 1.0, "krippendorff_alpha": 1.0}
    assert pair["per_label"]["PERSON"] == {"f1_exact": 1.0, "f1_overlap": 1.0, "kappa": 1.0}


def test_disjoint_layers_have_zero_f1(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, document, people["bob"], labels, [span(MOSCOW, "LOCATION")])

    pair = only_pair(project_agreement(project))

    assert (pair["f1_exact"], pair["f1_overlap"]) == (0.0, 0.0)
    # Tokens: alice P O O O O O O, bob O O O O O L O. Observed agreement 5/7; chance
    # (O: 6/7 · 6/7) = 36/49; kappa = (5/7 - 36/49) / (1 - 36/49) = (35 - 36) / 13.
    assert pair["kappa"] == pytest.approx(-1 / 13)


def test_partial_overlap_matches_only_by_overlap(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span((9, 25), "WEAPONS")])
    annotate(project, document, people["bob"], labels, [span(SHELLS, "WEAPONS")])

    pair = only_pair(project_agreement(project))

    assert pair["f1_exact"] == 0.0
    assert pair["f1_overlap"] == 1.0
    assert pair["per_label"]["WEAPONS"]["f1_overlap"] == 1.0


def test_overlap_needs_the_same_label(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(MOSCOW, "LOCATION")])
    annotate(project, document, people["bob"], labels, [span(MOSCOW, "PERSON")])

    pair = only_pair(project_agreement(project))

    assert (pair["f1_exact"], pair["f1_overlap"]) == (0.0, 0.0)


def test_overlap_matching_is_one_to_one_and_maximum(project, people, labels):
    # Alice tags "artillery shells" as one span, Bob as two: only one of Bob's can pair
    # with Alice's, so F1 = 2·1 / (1 + 2).
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span((9, 25), "WEAPONS")])
    annotate(
        project,
        document,
        people["bob"],
        labels,
        [span(ARTILLERY, "WEAPONS"), span(SHELLS, "WEAPONS")],
    )

    pair = only_pair(project_agreement(project))

    assert pair["f1_overlap"] == pytest.approx(2 / 3)


def test_overlap_matching_does_not_depend_on_span_order(project, people, labels):
    # Bob's first span overlaps both of Alice's. Pairing greedily in order would give it
    # to Alice's first span and leave her second unmatched (F1 1/2); the maximum matching
    # pairs Alice's first with Bob's second instead, so all four spans match.
    project.allow_overlap = True
    project.save()
    document = new_document(project)
    alice = [span((0, 8), "PERSON"), span((4, 18), "PERSON")]
    bob = [span((4, 18), "PERSON"), span(KIM, "PERSON")]
    annotate(project, document, people["alice"], labels, alice)
    annotate(project, document, people["bob"], labels, bob)

    pair = only_pair(project_agreement(project))

    assert pair["f1_overlap"] == 1.0
    assert pair["f1_exact"] == 0.5


def test_worked_kappa_example(project, people, labels):
    # Tokens:  Kim sent artillery shells to Moscow .
    # alice:   P   O    W         W      O  L      O
    # bob:     P   O    O         W      O  O      O
    # Observed agreement po = 5/7. Marginals alice P1 O3 W2 L1, bob P1 O5 W1;
    # chance pe = (1·1 + 3·5 + 2·1) / 49 = 18/49; kappa = (35/49 - 18/49) / (31/49) = 17/31.
    document = new_document(project)
    alice = [span(KIM, "PERSON"), span((9, 25), "WEAPONS"), span(MOSCOW, "LOCATION")]
    bob = [span(KIM, "PERSON"), span(SHELLS, "WEAPONS")]
    annotate(project, document, people["alice"], labels, alice)
    annotate(project, document, people["bob"], labels, bob)

    pair = only_pair(project_agreement(project))

    assert pair["kappa"] == pytest.approx(17 / 31)
    # WEAPONS binary: alice 0 0 1 1 0 0 0, bob 0 0 0 1 0 0 0. po = 6/7,
    # pe = (5·6 + 2·1) / 49 = 32/49, kappa = (42 - 32) / (49 - 32) = 10/17.
    assert pair["per_label"]["WEAPONS"]["kappa"] == pytest.approx(10 / 17)
    # Exact: only PERSON matches; 2·1 / (3 + 2).
    assert pair["f1_exact"] == pytest.approx(2 / 5)
    # Overlap: PERSON and WEAPONS match; 2·2 / 5.
    assert pair["f1_overlap"] == pytest.approx(4 / 5)


def test_worked_alpha_example(project, people, labels):
    # WEAPONS binary over 7 tokens, two coders: alice 0 0 1 1 0 0 0, bob 0 0 0 1 0 0 0.
    # Coincidences: o00 = 10, o11 = 2, o01 = o10 = 1 (n = 14; n0 = 11, n1 = 3).
    # Nominal alpha = 1 - (n - 1) · (o01 + o10) / (2 · n0 · n1) = 1 - 13 · 2 / 66.
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span((9, 25), "WEAPONS")])
    annotate(project, document, people["bob"], labels, [span(SHELLS, "WEAPONS")])

    result = project_agreement(project)

    assert result["per_label"]["WEAPONS"]["krippendorff_alpha"] == pytest.approx(1 - 26 / 66)
    assert result["krippendorff_alpha"] == pytest.approx(1 - 26 / 66)


def test_a_span_cutting_a_word_labels_the_whole_token(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span((9, 14), "WEAPONS")])  # "artil"
    annotate(project, document, people["bob"], labels, [span(ARTILLERY, "WEAPONS")])

    pair = only_pair(project_agreement(project))

    assert pair["kappa"] == 1.0
    assert (pair["f1_exact"], pair["f1_overlap"]) == (0.0, 1.0)


def test_nested_spans_give_the_token_to_the_span_that_starts_first(project, people, labels):
    # With overlap allowed alice tags "Kim sent" PERSON and "sent artillery" WEAPONS: the
    # token "sent" goes to PERSON (earlier start) in the multi-class view, but still
    # counts as WEAPONS in the binary WEAPONS view.
    project.allow_overlap = True
    project.save()
    document = new_document(project)
    alice = [span((0, 8), "PERSON"), span((4, 18), "WEAPONS")]
    bob = [span((0, 8), "PERSON"), span(ARTILLERY, "WEAPONS")]
    annotate(project, document, people["alice"], labels, alice)
    annotate(project, document, people["bob"], labels, bob)

    pair = only_pair(project_agreement(project))

    assert pair["kappa"] == 1.0
    assert pair["per_label"]["PERSON"]["kappa"] == 1.0
    assert pair["per_label"]["WEAPONS"]["kappa"] < 1.0


# --- undefined values ---------------------------------------------------------------------


def test_no_spans_on_either_side_gives_none_not_nan(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [])
    annotate(project, document, people["bob"], labels, [])

    result = project_agreement(project)
    pair = only_pair(result)

    assert (pair["f1_exact"], pair["f1_overlap"], pair["kappa"]) == (None, None, None)
    assert result["krippendorff_alpha"] is None
    assert result["per_label"]["WEAPONS"] == {"f1_exact": None, "krippendorff_alpha": None}
    json.dumps(result, allow_nan=False)


def test_unused_label_is_none_while_used_ones_have_values(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(ARTILLERY, "WEAPONS")])
    annotate(project, document, people["bob"], labels, [span(ARTILLERY, "WEAPONS")])

    result = project_agreement(project)
    pair = only_pair(result)

    assert pair["per_label"]["LOCATION"] == {"f1_exact": None, "f1_overlap": None, "kappa": None}
    assert result["per_label"]["LOCATION"] == {"f1_exact": None, "krippendorff_alpha": None}
    assert pair["per_label"]["WEAPONS"]["kappa"] == 1.0


# --- which documents and layers count -----------------------------------------------------


def test_document_completed_by_one_annotator_is_excluded(project, people, labels):
    shared = new_document(project, name="shared")
    alone = new_document(project, name="alone")
    annotate(project, shared, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, shared, people["bob"], labels, [span(KIM, "PERSON")])
    annotate(project, alone, people["alice"], labels, [span(KIM, "PERSON")])

    result = project_agreement(project)

    assert result["documents"] == 1
    assert only_pair(result)["documents"] == 1


def test_in_progress_layer_is_excluded(project, people, labels, carol):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, document, people["bob"], labels, [span(KIM, "PERSON")])
    # Carol disagrees but has not completed: her layer is a draft.
    annotate(project, document, carol, labels, [span(MOSCOW, "PERSON")], complete=False)

    result = project_agreement(project)

    assert [(p["a"], p["b"]) for p in result["pairwise"]] == [("alice", "bob")]
    assert result["krippendorff_alpha"] == 1.0


def test_document_only_in_progress_is_excluded(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, document, people["bob"], labels, [span(KIM, "PERSON")], complete=False)

    assert project_agreement(project) == empty_agreement()


def test_reopened_document_no_longer_counts(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, document, people["bob"], labels, [span(KIM, "PERSON")])
    services.document_reopen(project=project, document=document, user=people["bob"])

    assert project_agreement(project)["documents"] == 0


def test_document_removed_from_the_project_is_excluded(project, people, labels):
    document = new_document(project)
    for user in (people["alice"], people["bob"]):
        annotate(project, document, user, labels, [span(KIM, "PERSON")])
    project.documents.remove(document)

    assert project_agreement(project) == empty_agreement()


def test_gold_spans_are_excluded(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, document, people["bob"], labels, [span(KIM, "PERSON")])
    # Gold curated by bob (as reviewer would) must not enter bob's annotator layer.
    services.span_create(
        project=project,
        document=document,
        annotator=people["bob"],
        label=labels["LOCATION"],
        start=MOSCOW[0],
        end=MOSCOW[1],
        gold=True,
    )

    pair = only_pair(project_agreement(project))

    assert (pair["f1_exact"], pair["kappa"]) == (1.0, 1.0)


def test_other_projects_do_not_leak_in(project, people, labels, make_user):
    from annotator.models import Label, Project

    other = Project.objects.create(name="Other")
    other_label = Label.objects.create(project=other, name="WEAPONS")
    document = new_document(project)
    other.documents.add(document)
    for user in (people["alice"], people["bob"]):
        annotate(project, document, user, labels, [span(KIM, "PERSON")])
    annotate(other, document, people["alice"], {"WEAPONS": other_label}, [span(KIM, "WEAPONS")])

    pair = only_pair(project_agreement(project))

    assert pair["f1_exact"] == 1.0


def test_pairs_share_only_their_common_documents(project, people, labels, carol):
    one = new_document(project, name="one")
    two = new_document(project, name="two")
    for user in (people["alice"], people["bob"]):
        annotate(project, one, user, labels, [span(KIM, "PERSON")])
    for user in (people["alice"], carol):
        annotate(project, two, user, labels, [span(KIM, "PERSON")])

    result = project_agreement(project)

    assert result["documents"] == 2
    pairs = {(p["a"], p["b"]): p["documents"] for p in result["pairwise"]}
    # Bob and Carol share no document: no pair for them.
    assert pairs == {("alice", "bob"): 1, ("alice", "carol"): 1}


# --- against scikit-learn and krippendorff on random data ---------------------------------


def random_layers(rng: random.Random, n_tokens: int, label_names: list[str]):
    """Random non-overlapping spans, each covering one or two whole tokens."""
    spans, index = [], 0
    while index < n_tokens:
        if rng.random() < 0.4:
            width = min(rng.choice([1, 2]), n_tokens - index)
            spans.append((index, index + width, rng.choice(label_names)))
            index += width
        else:
            index += 1
    return spans


def test_kappa_and_alpha_match_the_libraries_on_random_data(project, people, labels, carol):
    import krippendorff

    rng = random.Random(20240913)
    names = ["WEAPONS", "PERSON", "LOCATION"]
    users = [people["alice"], people["bob"], carol]
    # Words of two letters each, one space apart: word i is [3i, 3i + 2).
    expected: dict[str, list[str]] = {user.username: [] for user in users}
    binary: dict[str, list[int]] = {user.username: [] for user in users}
    for number in range(6):
        n_words = rng.randint(5, 25)
        document = new_document(project, " ".join(["ab"] * n_words), name=f"r{number}")
        for user in users:
            token_spans = random_layers(rng, n_words, names)
            tags = ["O"] * n_words
            for first, last, name in token_spans:
                tags[first:last] = [name] * (last - first)
            expected[user.username] += tags
            binary[user.username] += [int(tag == "WEAPONS") for tag in tags]
            char_spans = [(3 * first, 3 * last - 1, name) for first, last, name in token_spans]
            annotate(project, document, user, labels, char_spans)

    result = project_agreement(project)

    for pair in result["pairwise"]:
        a, b = expected[pair["a"]], expected[pair["b"]]
        assert pair["kappa"] == pytest.approx(cohen_kappa_score(a, b))
        weapons = cohen_kappa_score(binary[pair["a"]], binary[pair["b"]])
        assert pair["per_label"]["WEAPONS"]["kappa"] == pytest.approx(weapons)
    codes = {"O": 0, **{name: index for index, name in enumerate(names, start=1)}}
    matrix = [[codes[tag] for tag in expected[user.username]] for user in users]
    assert result["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    )
    assert -1.0 <= result["krippendorff_alpha"] <= 1.0
    assert len(result["pairwise"]) == 3


def test_alpha_treats_an_annotator_who_skipped_a_document_as_missing(
    project, people, labels, carol
):
    import krippendorff

    one = new_document(project, name="one")
    two = new_document(project, name="two")
    annotate(project, one, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, one, people["bob"], labels, [span(KIM, "PERSON")])
    annotate(project, one, carol, labels, [span(MOSCOW, "PERSON")])
    annotate(project, two, people["alice"], labels, [span(ARTILLERY, "WEAPONS")])
    annotate(project, two, people["bob"], labels, [])

    result = project_agreement(project)

    nan = np.nan
    # Units: 7 tokens of "one" then 7 of "two"; carol did not complete "two".
    alice = np.concatenate([[2, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0]])
    bob = np.concatenate([[2, 0, 0, 0, 0, 0, 0], [0] * 7])
    carol_row = np.concatenate([[0, 0, 0, 0, 0, 2, 0], [nan] * 7])
    reference = krippendorff.alpha(
        reliability_data=np.vstack([alice, bob, carol_row]),
        level_of_measurement="nominal",
    )
    assert result["krippendorff_alpha"] == pytest.approx(reference)


def test_random_projects_give_json_without_nan(project, people, labels, carol):
    rng = random.Random(7)
    names = ["WEAPONS", "PERSON", "LOCATION"]
    for number in range(5):
        document = new_document(project, " ".join(["ab"] * 8), name=f"j{number}")
        for user in rng.sample([people["alice"], people["bob"], carol], rng.randint(1, 3)):
            # Sometimes nothing at all: degenerate pairs must still serialise.
            spans = random_layers(rng, 8, names) if rng.random() < 0.6 else []
            annotate(project, document, user, labels, [(3 * f, 3 * t - 1, n) for f, t, n in spans])

    result = project_agreement(project)

    json.dumps(result, allow_nan=False)
    for pair in result["pairwise"]:
        for value in (pair["f1_exact"], pair["f1_overlap"]):
            assert value is None or 0.0 <= value <= 1.0
        assert pair["f1_exact"] is None or pair["f1_overlap"] >= pair["f1_exact"]


# --- bounded queries ----------------------------------------------------------------------


def build_project(project, people, labels, carol, n_documents: int) -> None:
    rng = random.Random(n_documents)
    for number in range(n_documents):
        document = new_document(project, " ".join(["ab"] * 10), name=f"q{number}")
        for user in (people["alice"], people["bob"], carol):
            spans = random_layers(rng, 10, ["WEAPONS", "PERSON"])
            annotate(project, document, user, labels, [(3 * f, 3 * t - 1, n) for f, t, n in spans])


@pytest.mark.parametrize("n_documents", [2, 20])
def test_query_count_does_not_grow_with_documents(
    project, people, labels, carol, n_documents, django_assert_max_num_queries
):
    build_project(project, people, labels, carol, n_documents)

    with django_assert_max_num_queries(4):
        result = project_agreement(project)
    with django_assert_max_num_queries(4):
        ranking = documents_by_agreement(project)

    assert result["documents"] == n_documents
    assert len(ranking) == n_documents


# --- per-document helpers -----------------------------------------------------------------


def test_documents_by_agreement_lists_the_worst_first(project, people, labels):
    good = new_document(project, name="good")
    bad = new_document(project, name="bad")
    half = new_document(project, name="half")
    empty = new_document(project, name="empty")
    for user in (people["alice"], people["bob"]):
        annotate(project, good, user, labels, [span(KIM, "PERSON")])
        annotate(project, empty, user, labels, [])
    annotate(project, bad, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, bad, people["bob"], labels, [span(MOSCOW, "LOCATION")])
    annotate(project, half, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, half, people["bob"], labels, [span(KIM, "PERSON"), span(MOSCOW, "LOCATION")])

    assert documents_by_agreement(project) == [
        (bad.pk, 0.0),
        (half.pk, pytest.approx(2 / 3)),
        (good.pk, 1.0),
        (empty.pk, None),
    ]


def test_document_agreement_covers_one_document(project, people, labels):
    good = new_document(project, name="good")
    bad = new_document(project, name="bad")
    for user in (people["alice"], people["bob"]):
        annotate(project, good, user, labels, [span(KIM, "PERSON")])
    annotate(project, bad, people["alice"], labels, [span(KIM, "PERSON")])
    annotate(project, bad, people["bob"], labels, [span(MOSCOW, "LOCATION")])

    assert only_pair(document_agreement(project, good))["f1_exact"] == 1.0
    assert only_pair(document_agreement(project, bad.pk))["f1_exact"] == 0.0
    assert document_agreement(project, bad)["documents"] == 1


def test_document_agreement_is_empty_for_a_single_annotator(project, people, labels):
    document = new_document(project)
    annotate(project, document, people["alice"], labels, [span(KIM, "PERSON")])

    assert document_agreement(project, document) == empty_agreement()
