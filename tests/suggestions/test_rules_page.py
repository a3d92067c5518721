"""The Rules page: a manager adds a rule set (pasted or a file), applies it as a job the page
follows, and deletes it with its undecided suggestions; the API deletes alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from annotator.models import Span
from annotator.services import rule_set_create, suggestion_accept
from annotator.suggestions import RuleSet, Suggestion

HX = {"HTTP_HX_REQUEST": "true"}
PASTED = '{"label": "WEAPONS", "pattern": "Kinzhal"}\n{"label": "PERSON", "pattern": "Kim"}'


@pytest.fixture
def manager(client, arms):
    client.force_login(arms.people["manager"])
    return client


def rules_url(arms) -> str:
    return reverse("rules", args=[arms.project.pk])


def test_a_pasted_set_is_added_and_listed(manager, arms):
    answer = manager.post(rules_url(arms), {"name": " arms ", "patterns": PASTED}, follow=True)

    rule_set = RuleSet.objects.get(project=arms.project)
    assert (rule_set.name, len(rule_set.patterns), rule_set.case_sensitive) == ("arms", 2, False)
    page = answer.content.decode()
    assert "Added the rule set “arms” (2 patterns)" in page
    assert "<code>rules:arms</code>" in page and "2 phrases, 0 token patterns" in page


def test_a_gazetteer_file_named_by_its_file(manager, arms):
    upload = SimpleUploadedFile("places.tsv", b"Russia\tLOCATION\nKim\tPERSON\n")
    manager.post(rules_url(arms), {"name": "", "file": upload, "case_sensitive": "on"})

    rule_set = RuleSet.objects.get(project=arms.project)
    assert rule_set.name == "places" and rule_set.case_sensitive
    assert rule_set.patterns == [
        {"label": "LOCATION", "pattern": "Russia"},
        {"label": "PERSON", "pattern": "Kim"},
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"name": "x", "patterns": '{"label": "WEAPON", "pattern": "Kinzhal"}'}, "unknown label"),
        ({"name": "x", "patterns": "[{"}, "Not JSON"),
        ({"name": "x", "patterns": ""}, "Paste patterns or choose a file."),
        ({"name": "", "patterns": PASTED}, "Give a name"),
        ({"name": "a\nb", "patterns": PASTED}, "Give a name"),
    ],
)
def test_bad_input_is_refused_in_words_and_nothing_is_stored(manager, arms, data, problem):
    answer = manager.post(rules_url(arms), data)

    assert answer.status_code == 422 and problem in answer.content.decode()
    assert escape(data["patterns"]) in answer.content.decode()  # what was typed stays
    assert not RuleSet.objects.exists()


def test_a_name_taken_is_refused(manager, arms):
    manager.post(rules_url(arms), {"name": "arms", "patterns": PASTED})
    again = manager.post(rules_url(arms), {"name": "arms", "patterns": PASTED})
    assert again.status_code == 422 and "already has a rule set of that name" in again.text
    assert RuleSet.objects.count() == 1


def test_applying_runs_a_job_the_page_follows(manager, arms, worker):
    rule_set = rule_set_create(
        project=arms.project,
        name="arms",
        patterns=[{"label": "WEAPONS", "pattern": "Kinzhal"}],
        case_sensitive=False,
        user=arms.people["manager"],
    )
    answer = manager.post(reverse("rule_apply", args=[arms.project.pk, rule_set.pk]))
    assert answer.status_code == 302 and "?job=" in answer["Location"]
    page = manager.get(answer["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for a worker" in page

    worker()
    job_id = answer["Location"].rsplit("=", 1)[1]
    poll = manager.get(reverse("rule_job", args=[arms.project.pk, job_id]), **HX)

    assert poll.status_code == 286  # htmx stops polling
    assert "4 suggestions offered" in poll.content.decode()  # three Kinzhals and a kinzhal
    assert Suggestion.objects.filter(source="rules:arms").count() == 4
    listed = manager.get(rules_url(arms)).content.decode()
    assert "<td>4</td>" in listed


def test_deleting_takes_the_undecided_suggestions_and_keeps_accepted_spans(manager, arms):
    rule_set = rule_set_create(
        project=arms.project,
        name="arms",
        patterns=[{"label": "WEAPONS", "pattern": "Kinzhal"}],
        case_sensitive=False,
        user=arms.people["manager"],
    )
    weapons = arms.labels["WEAPONS"]
    made = Suggestion.objects.bulk_create(
        Suggestion(
            project=arms.project,
            document=arms.document,
            label=weapons,
            start=at,
            end=at + 7,
            source="rules:arms",
        )
        for at in (18, 36)
    )
    span = suggestion_accept(suggestion=made[0], user=arms.people["alice"])

    answer = manager.post(reverse("rule_delete", args=[arms.project.pk, rule_set.pk]), follow=True)

    assert "and its 1 undecided suggestion;" in answer.content.decode()
    assert not RuleSet.objects.exists()
    assert list(Suggestion.objects.values_list("pk", flat=True)) == [made[0].pk]
    assert Span.objects.get(pk=span.pk).source == "rules:arms"


def test_the_api_deletes_a_set_for_managers_only(arms, client_for):
    rule_set = rule_set_create(
        project=arms.project,
        name="arms",
        patterns=[{"label": "WEAPONS", "pattern": "Kinzhal"}],
        case_sensitive=False,
        user=arms.people["manager"],
    )
    path = f"/api/projects/{arms.project.pk}/rules/{rule_set.pk}/"

    assert client_for("reviewer").delete(path).status_code == 403
    assert client_for("outsider").delete(path).status_code == 404
    assert client_for("manager").delete(path).status_code == 204
    assert not RuleSet.objects.exists()


def test_another_projects_sets_and_jobs_are_not_found(manager, arms, client):
    elsewhere = rule_set_create(
        project=arms.elsewhere,
        name="secret",
        patterns=[{"label": "SECRET", "pattern": "Secret"}],
        case_sensitive=False,
        user=arms.people["outsider"],
    )
    for name in ("rule_apply", "rule_delete"):
        url = reverse(name, args=[arms.project.pk, elsewhere.pk])
        assert manager.post(url).status_code == 404
    assert RuleSet.objects.filter(pk=elsewhere.pk).exists()


@pytest.mark.parametrize("count", [1, 20])
def test_the_page_runs_the_same_few_queries_whatever_the_sets(
    manager, arms, django_assert_max_num_queries, count
):
    for number in range(count):
        rule_set_create(
            project=arms.project,
            name=f"set {number}",
            patterns=[{"label": "WEAPONS", "pattern": f"word{number}"}],
            case_sensitive=False,
            user=arms.people["manager"],
        )
    with django_assert_max_num_queries(9):
        assert manager.get(rules_url(arms)).status_code == 200
