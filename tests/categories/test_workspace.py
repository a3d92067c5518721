"""Document labels in the workspace and on the review page: the bar above the article,
toggled by its own keys, answered with the bar alone; undo; gold from the review page."""

import pytest
from django.urls import reverse

from annotator.categories import Category
from annotator.models import DocumentLabels, Span

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def toggle(client, project, document, label, *, gold=False):
    url = reverse("category_toggle", args=[project.pk, document.pk])
    return client.post(url + ("?layer=gold" if gold else ""), {"label": label.pk}, **HX)


def undo(client, project, document, *, gold=False):
    url = reverse("undo", args=[project.pk, document.pk]) + ("?layer=gold" if gold else "")
    return client.post(url, **HX)


def test_the_bar_shows_document_labels_above_the_article_and_not_in_the_palette(
    alice, project, document, kinds
):
    page = alice.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()

    bar = page[page.index('id="categories"') : page.index('id="annotation"')]
    assert 'aria-pressed="false"' in bar and "TRANSFER" in bar and "<kbd>7</kbd>" in bar
    assert 'aria-keyshortcuts="7"' in bar
    palette = page[page.index('class="labels"') : page.index("</ul>")]
    assert "TRANSFER" not in palette and "WEAPONS" in palette


def test_a_project_without_document_labels_draws_no_bar(alice, project, document):
    page = alice.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()
    assert 'id="categories"' not in page


def test_a_toggle_answers_with_the_bar_only_and_under_4_kb(
    alice, project, document, kinds, django_assert_max_num_queries
):
    # The first write claims the document (the status row), as a first tag does;
    # PostgreSQL takes one lock SQLite does not; the bar lists the pending suggested
    # document labels (one query).
    with django_assert_max_num_queries(22):
        response = toggle(alice, project, document, kinds["TRANSFER"])

    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.content) < 4096, len(response.content)
    assert response["HX-Retarget"] == "#categories"
    assert (
        'value="{}" class="category-toggle c1-{}" aria-pressed="true"'.format(
            kinds["TRANSFER"].pk, kinds["TRANSFER"].pk
        )
        in body
    )
    assert "Document label TRANSFER given." in body
    assert 'id="article"' not in body
    assert Category.objects.get().annotator.username == "alice"
    # Pressed again, it is taken back.
    body = toggle(alice, project, document, kinds["TRANSFER"]).content.decode()
    assert "removed" in body and not Category.objects.exists()


def test_a_toggle_costs_the_same_on_a_long_article_with_many_spans(
    alice, project, document, kinds, weapons, people, django_assert_max_num_queries
):
    text = document.text
    start = text.index("artillery")
    Span.objects.create(
        project=project,
        document=document,
        label=weapons,
        annotator=people["alice"],
        start=start,
        end=start + 9,
    )
    with django_assert_max_num_queries(22):  # as above
        response = toggle(alice, project, document, kinds["SUMMIT"])
    assert response.status_code == 200 and len(response.content) < 4096


def test_a_span_label_is_refused_as_a_toggle(alice, project, document, kinds, weapons):
    response = toggle(alice, project, document, weapons)

    assert response.status_code == 422
    assert "WEAPONS is a span label" in response.content.decode()
    assert not Category.objects.exists()


def test_single_replaces_and_undo_brings_the_old_one_back(alice, project, document, kinds):
    project.document_labels = DocumentLabels.SINGLE
    project.save()
    toggle(alice, project, document, kinds["TRANSFER"])
    first = Category.objects.get()
    toggle(alice, project, document, kinds["SUMMIT"])
    assert list(Category.objects.values_list("label__name", flat=True)) == ["SUMMIT"]

    response = undo(alice, project, document)

    assert "the document label is TRANSFER again" in response.content.decode()
    assert response["HX-Retarget"] == "#categories"
    assert Category.objects.get().pk == first.pk
    assert "TRANSFER is removed" in undo(alice, project, document).content.decode()
    assert not Category.objects.exists()
    assert undo(alice, project, document).status_code == 422


def test_undo_takes_spans_and_document_labels_newest_first(
    alice, project, document, kinds, weapons
):
    url = reverse("span_add", args=[project.pk, document.pk])
    start = document.text.index("artillery")
    alice.post(url, {"start": start, "end": start + 9, "label": weapons.pk}, **HX)
    toggle(alice, project, document, kinds["TRANSFER"])  # given
    toggle(alice, project, document, kinds["TRANSFER"])  # taken back

    assert "TRANSFER is back" in undo(alice, project, document).content.decode()
    assert "TRANSFER is removed" in undo(alice, project, document).content.decode()
    assert "new span is removed" in undo(alice, project, document).content.decode()
    assert not Span.objects.exists() and not Category.objects.exists()


def test_the_review_page_names_the_analysts_and_sets_gold(client, people, project, document, kinds):
    client.force_login(people["alice"])
    toggle(client, project, document, kinds["TRANSFER"])
    client.force_login(people["bob"])
    toggle(client, project, document, kinds["TRANSFER"])
    client.force_login(people["reviewer"])

    page = client.get(reverse("review", args=[project.pk, document.pk])).content.decode()
    bar = page[page.index('id="categories"') : page.index('id="annotation"')]
    assert "Gold document labels" in bar and "alice, bob" in bar
    assert "?layer=gold" in bar

    response = toggle(client, project, document, kinds["TRANSFER"], gold=True)
    assert response.status_code == 200 and len(response.content) < 4096
    gold = Category.objects.get(gold=True)
    assert (gold.label, gold.annotator) == (kinds["TRANSFER"], people["reviewer"])
    # An annotator cannot write gold.
    client.force_login(people["alice"])
    assert toggle(client, project, document, kinds["SUMMIT"], gold=True).status_code == 403


def test_without_htmx_a_toggle_goes_back_to_the_page(alice, project, document, kinds):
    url = reverse("category_toggle", args=[project.pk, document.pk])
    response = alice.post(url, {"label": kinds["TRANSFER"].pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace", args=[project.pk, document.pk])
    assert Category.objects.count() == 1


def test_outsiders_cannot_toggle(client, people, project, document, kinds):
    client.force_login(people["outsider"])
    assert toggle(client, project, document, kinds["TRANSFER"]).status_code == 404


def test_the_history_page_lists_document_label_changes(
    client, people, project, document, kinds, django_assert_max_num_queries
):
    client.force_login(people["alice"])
    toggle(client, project, document, kinds["TRANSFER"])
    toggle(client, project, document, kinds["TRANSFER"])
    undo(client, project, document)
    client.force_login(people["manager"])

    with django_assert_max_num_queries(12):
        page = client.get(reverse("history", args=[project.pk, document.pk])).content.decode()

    table = page[page.index('id="category-history"') :]
    assert table.count('class="event') == 3
    assert "Restored" in table and "(undo)" in table and "Removed" in table
    assert "TRANSFER" in table and "alice" in table
