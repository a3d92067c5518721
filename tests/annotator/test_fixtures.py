import pytest
from django.core.management import call_command

from annotator.models import Label, LabelKind, Membership, Project, Role
from annotator.relations import RelationType
from annotator.services import span_create
from corpus.models import Document
from tests.conftest import SEEDS

LABELS = [
    "WEAPONS",
    "TECHNOLOGY_TRANSFER",
    "DIPLOMACY",
    "MILITARY_COOPERATION",
    "ECONOMIC_AID",
    "PERSON",
    "ORGANIZATION",
    "LOCATION",
]


def luminance(hex_color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_both_seed_articles_are_in_the_repository():
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == [
        "article-kim-putin-vladivostok.txt",
        "article-newseum-kim-putin.txt",
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_articles_are_loaded_verbatim(demo, name):
    text = (SEEDS / name).read_text(encoding="utf-8")
    assert Document.objects.get(source=f"seeds/{name}").text == text


def test_seed_text_keeps_no_break_spaces_and_curly_quotes(demo):
    text = Document.objects.get(external_id="newseum-kim-putin").text
    assert "\u00a0" in text and "\u2019" in text and "\u201c" in text


def test_demo_project_has_the_label_set_with_shortcuts_one_to_eight(demo):
    labels = list(demo.labels.filter(kind=LabelKind.SPAN).order_by("order"))
    assert [label.name for label in labels] == LABELS
    assert [label.shortcut for label in labels] == [str(i) for i in range(1, 9)]
    assert all(label.description for label in labels)
    assert len({label.color for label in demo.labels.all()}) == 10
    assert demo.guidelines and demo.documents.count() == 2


def test_demo_project_shows_document_labels_and_relation_types(demo):
    """A new user meets every kind of annotation in the demo: document labels on keys 9
    and 0, and who SUPPLIES what to whom."""
    documents = demo.labels.filter(kind=LabelKind.DOCUMENT).order_by("order")
    assert [(label.name, label.shortcut) for label in documents] == [
        ("ARMS_DEAL", "9"),
        ("SUMMIT", "0"),
    ]
    supplies = RelationType.objects.get(project=demo, name="SUPPLIES")
    assert {label.name for label in supplies.source_labels.all()} == {
        "PERSON",
        "ORGANIZATION",
        "LOCATION",
    }
    assert {label.name for label in supplies.target_labels.all()} == {
        "WEAPONS",
        "TECHNOLOGY_TRANSFER",
    }
    assert not RelationType.objects.get(project=demo, name="MEETS").directed


def test_label_colours_are_readable_on_white(demo):
    # WCAG AA for text: contrast ratio of at least 4.5 against white.
    for label in Label.objects.filter(project=demo):
        assert 1.05 / (luminance(label.color) + 0.05) >= 4.5, label.name


@pytest.mark.parametrize(
    ("external_id", "words", "label"),
    [
        ("kim-putin-vladivostok", "artillery shells", "WEAPONS"),
        ("kim-putin-vladivostok", "Vladivostok", "LOCATION"),
        ("newseum-kim-putin", "Sergei Shoigu", "PERSON"),
        ("newseum-kim-putin", "“convince Pyongyang to sell artillery ammunition”", "DIPLOMACY"),
    ],
)
def test_spans_on_seed_articles_slice_the_right_words(demo, external_id, words, label):
    call_command("demo", verbosity=0)
    document = Document.objects.get(external_id=external_id)
    alice = Membership.objects.get(project=demo, user__username="alice").user
    start = document.text.index(words)
    span = span_create(
        project=demo,
        document=document,
        annotator=alice,
        label=demo.labels.get(name=label),
        start=start,
        end=start + len(words),
    )
    assert document.text[span.start : span.end] == words


def test_demo_command_twice_changes_nothing(demo):
    counts = (
        Project.objects.count(),
        Document.objects.count(),
        Label.objects.count(),
        Membership.objects.count(),
        RelationType.objects.count(),
    )
    call_command("demo", verbosity=0)
    assert (
        counts
        == (
            Project.objects.count(),
            Document.objects.count(),
            Label.objects.count(),
            Membership.objects.count(),
            RelationType.objects.count(),
        )
        == (1, 2, 10, 4, 2)
    )
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "manager": Role.MANAGER,
        "reviewer": Role.REVIEWER,
        "alice": Role.ANNOTATOR,
        "bob": Role.ANNOTATOR,
    }


def test_demo_users_can_log_in_with_the_printed_passwords(demo, client, capsys):
    assert client.login(username="alice", password="margin-alice")
    assert client.login(username="manager", password="margin-manager")


def test_demo_prints_the_passwords(db, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "alice" in out and "margin-alice" in out
