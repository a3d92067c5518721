"""The home page per role: annotators continue and see rejections waiting for them,
reviewers the documents ready for review (disputed first), managers the team's progress."""

import re

import pytest
from django.urls import reverse

from annotator.models import Membership, Project, Role, Span
from annotator.services import span_reject, span_update


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def card(body: str, project: Project) -> str:
    """The project's card alone."""
    match = re.search(
        r'<li class="card project-card".*?</li>\s*(?=<li class="card|</ul>)', body, re.S
    )
    assert match and project.name in match[0]
    return match[0]


def test_an_annotator_continues_and_sees_what_review_rejected(client, table):
    alice, project = table["alice"], table["project"]
    span = Span.objects.get(annotator=alice, document=table["plain"], label__name="LOCATION")
    span_reject(span=span, reviewer=table["reviewer"], reason="Vostochny is a cosmodrome here.")
    body = card(home(client, alice), project)
    assert "Continue annotating" in body and "Ready for review" not in body
    assert "3 of 5 documents complete" in body
    assert "Rejections waiting for you: 1" in body
    assert "LOCATION “Vostochny” — " in body and "Vostochny is a cosmodrome here." in body
    assert f'href="/projects/{project.pk}/documents/{table["plain"].pk}/"' in body
    # Relabelling the span answers the rejection: it no longer waits.
    span_update(span=span, actor=alice, label=project.labels.get(name="PERSON"))
    assert "Rejections waiting" not in home(client, alice)


def test_a_reviewer_gets_the_documents_ready_for_review_disputed_first(client, table):
    body = card(home(client, table["reviewer"]), table["project"])
    assert "Continue annotating" not in body
    # Tricky and Agreed are complete by both annotators and not reviewed; Plain is reviewed.
    assert "Ready for review: 2" in body
    tricky, agreed = table["tricky"].pk, table["agreed"].pk
    assert body.index(f"/documents/{tricky}/review/") < body.index(f"/documents/{agreed}/review/")
    assert body.count("Disputed") == 1
    review_next = re.search(r'<a class="button primary" href="([^"]+)">Review next', body)
    assert review_next[1] == reverse("review", args=[table["project"].pk, tricky])


def test_a_manager_sees_the_teams_progress(client, table):
    body = card(home(client, table["manager"]), table["project"])
    assert "Continue annotating" not in body and "Team progress" in body
    # Five documents, two places each: Tricky, Plain and Agreed by both.
    assert "6 of 10 annotations" in body
    assert "1 of 5 documents" in body  # reviewed
    assert "Ready for review: 2" in body


@pytest.mark.parametrize("projects", [1, 6])
def test_home_runs_a_few_statements_per_project(
    client, table, make_user, projects, django_assert_max_num_queries
):
    reviewer = table["reviewer"]
    for n in range(projects - 1):
        other = Project.objects.create(name=f"Other {n}")
        Membership.objects.create(project=other, user=reviewer, role=Role.REVIEWER)
    client.force_login(reviewer)
    with django_assert_max_num_queries(7 + 4 * projects):
        assert client.get(reverse("home")).status_code == 200
