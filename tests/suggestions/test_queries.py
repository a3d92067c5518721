"""The list endpoints cost the same number of queries for 5 suggestions or 300."""

import pytest

from annotator.suggestions import Suggestion

from .conftest import TEXT


def fill(arms, count: int) -> None:
    label = arms.labels["WEAPONS"]
    Suggestion.objects.bulk_create(
        Suggestion(
            project=arms.project,
            document=arms.document,
            label=label,
            start=n % (len(TEXT) - 8),
            end=n % (len(TEXT) - 8) + 7,
            source=f"source-{n // 80}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [5, 300])
@pytest.mark.parametrize(
    ("role", "query"), [("alice", ""), ("reviewer", "?layer=gold"), ("manager", "?all=1")]
)
def test_the_suggestion_list(arms, client_for, django_assert_max_num_queries, count, role, query):
    fill(arms, count)
    client = client_for(role)
    path = f"/api/projects/{arms.project.pk}/documents/{arms.document.pk}/suggestions/{query}"
    with django_assert_max_num_queries(6):  # token, user, project, document, count, page
        answer = client.get(path)
    assert answer.status_code == 200 and answer.json()["count"] == count


@pytest.mark.parametrize("count", [5, 300])
def test_the_stats(arms, client_for, django_assert_max_num_queries, count):
    fill(arms, count)
    # Authentication and the project (as for every project endpoint), then four: offered,
    # decided and measured by source, the gold spans counted.
    with django_assert_max_num_queries(10):
        answer = client_for("reviewer").get(f"/api/projects/{arms.project.pk}/suggestions/stats/")
    assert sum(row["offered"] for row in answer.json().values()) == count


@pytest.mark.parametrize("count", [5, 300])
def test_bulk_accept(arms, client_for, django_assert_max_num_queries, count):
    fill(arms, count)
    client = client_for("alice")
    path = f"/api/projects/{arms.project.pk}/documents/{arms.document.pk}/suggestions/accept/"
    # Every suggestion of one source: its spans in one insert, the decisions in one more.
    # PostgreSQL: one lock more than SQLite; the stored disputes' lookup, one statement.
    with django_assert_max_num_queries(24):
        answer = client.post(path, {"source": "source-0"}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert len(body["created"]) + len(body["refused"]) == min(count, 80)
