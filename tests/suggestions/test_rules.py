"""Rule sets through the API, applied by a real worker (tests/jobs/conftest.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.jobs import Job
from annotator.models import Span
from annotator.suggestions import RuleSet, Suggestion

from .conftest import TEXT, kinzhals


def rules_path(arms) -> str:
    return f"/api/projects/{arms.project.pk}/rules/"


def add(client, arms, patterns, **extra):
    body = {"name": "arms", "patterns": patterns, **extra}
    return client.post(rules_path(arms), body, format="json")


def apply(client, arms, rule_set_id, worker):
    answer = client.post(f"{rules_path(arms)}{rule_set_id}/apply/")
    assert answer.status_code == 202, answer.content
    worker()
    job = client.get(f"/api/jobs/{answer.json()['job']}/").json()
    assert job["status"] == "done", job
    assert job["kind"] == "rules" and job["progress"] == 1.0
    return job


def found(arms, source="rules:arms"):
    rows = Suggestion.objects.filter(project=arms.project, source=source)
    return sorted(rows.values_list("document_id", "start", "end", "label__name"))


def test_phrase_and_token_patterns_match_whole_tokens(arms, client_for, worker):
    manager = client_for("manager")
    made = add(
        manager,
        arms,
        [
            {"label": "WEAPONS", "pattern": "Kinzhal"},
            {"label": "PERSON", "pattern": [{"LOWER": "kim"}]},
            # Inside a word only ("Russ" in "Russia"): never a match.
            {"label": "LOCATION", "pattern": "Russ"},
        ],
    )
    assert made.status_code == 201, made.json()
    assert made.json()["source"] == "rules:arms" and made.json()["case_sensitive"] is False
    job = apply(manager, arms, made.json()["id"], worker)
    places = kinzhals()
    kim = TEXT.index("Kim")
    expected = [(arms.document.pk, p, p + 7, "WEAPONS") for p in places]
    expected.append((arms.document.pk, kim, kim + 3, "PERSON"))
    assert found(arms) == sorted(expected)
    assert job["result"] == {"documents": 2, "matches": 5, "suggestions": 5}
    # Another project's document is never read.
    assert not Suggestion.objects.filter(document=arms.secret).exists()
    # Suggestions, not spans: nobody's layer changed.
    assert not Span.objects.exists()


def test_case_sensitive_phrases(arms, client_for, worker):
    manager = client_for("manager")
    made = add(manager, arms, [{"label": "WEAPONS", "pattern": "kinzhal"}], case_sensitive=True)
    apply(manager, arms, made.json()["id"], worker)
    lower = TEXT.index("kinzhal")
    assert found(arms) == [(arms.document.pk, lower, lower + 7, "WEAPONS")]


def test_applying_again_replaces_the_undecided_suggestions_only(arms, client_for, worker):
    manager, alice = client_for("manager"), client_for("alice")
    made = add(manager, arms, [{"label": "WEAPONS", "pattern": "Kinzhal"}]).json()
    apply(manager, arms, made["id"], worker)
    first, second, *_ = kinzhals()
    decided = Suggestion.objects.get(start=first, source="rules:arms")
    rejected = Suggestion.objects.get(start=second, source="rules:arms")
    span = alice.post(f"/api/suggestions/{decided.pk}/accept/").json()
    assert span["origin"] == "rules:arms"
    assert alice.post(f"/api/suggestions/{rejected.pk}/reject/").status_code == 204

    # The set now says PERSON for "Kim" only.
    RuleSet.objects.filter(pk=made["id"]).update(patterns=[{"label": "PERSON", "pattern": "Kim"}])
    job = apply(manager, arms, made["id"], worker)
    kim = TEXT.index("Kim")
    assert found(arms) == sorted(
        [
            (arms.document.pk, first, first + 7, "WEAPONS"),
            (arms.document.pk, second, second + 7, "WEAPONS"),
            (arms.document.pk, kim, kim + 3, "PERSON"),
        ]
    )
    assert job["result"]["suggestions"] == 1
    assert Span.objects.filter(pk=span["id"], source="rules:arms").exists()
    # The decided ones are not offered twice when the set finds them again.
    RuleSet.objects.filter(pk=made["id"]).update(
        patterns=[{"label": "WEAPONS", "pattern": "Kinzhal"}]
    )
    apply(manager, arms, made["id"], worker)
    assert len(found(arms)) == len(kinzhals())


def test_applying_again_keeps_what_it_finds_again_under_its_id(arms, client_for, worker):
    """Re-applying changes only what changed: an undecided suggestion found again is the
    same row (a client holding its id can still accept it)."""
    manager = client_for("manager")
    made = add(manager, arms, [{"label": "WEAPONS", "pattern": "Kinzhal"}]).json()
    apply(manager, arms, made["id"], worker)
    before = set(Suggestion.objects.values_list("pk", "start"))

    job = apply(manager, arms, made["id"], worker)

    assert set(Suggestion.objects.values_list("pk", "start")) == before
    assert job["result"]["suggestions"] == len(before) == len(kinzhals())


def test_bad_patterns_are_refused_naming_the_problem(arms, client_for):
    manager = client_for("manager")
    unknown = add(manager, arms, [{"label": "WEAPON", "pattern": "Kinzhal"}])
    assert unknown.status_code == 400
    assert unknown.json()["patterns"][0].startswith("pattern 0: unknown label 'WEAPON'")
    bad_token = add(manager, arms, [{"label": "WEAPONS", "pattern": [{"COLOUR": "red"}]}])
    assert bad_token.status_code == 400
    assert "spaCy refuses the token pattern" in bad_token.json()["patterns"][0]
    assert "COLOUR" in bad_token.json()["patterns"][0]
    empty = add(manager, arms, [{"label": "WEAPONS", "pattern": " "}])
    assert empty.json()["patterns"] == ["pattern 0: the phrase is empty."]
    assert add(manager, arms, []).status_code == 400
    assert add(manager, arms, "Kinzhal").status_code == 400
    assert not RuleSet.objects.exists()
    assert add(manager, arms, [{"label": "WEAPONS", "pattern": "x"}]).status_code == 201
    twice = add(manager, arms, [{"label": "WEAPONS", "pattern": "y"}])
    assert twice.status_code == 400 and "already has a rule set" in twice.json()["name"][0]
    assert client_for("alice").get(rules_path(arms)).json()["count"] == 1


def test_a_gazetteer_and_a_jsonl_upload(arms, client_for, worker):
    manager = client_for("manager")
    tsv = SimpleUploadedFile("gazetteer.tsv", b"Kinzhal\tWEAPONS\nKim\tPERSON\n")
    made = manager.post(rules_path(arms), {"file": tsv}, format="multipart")
    assert made.status_code == 201, made.json()
    assert made.json()["name"] == "gazetteer" and len(made.json()["patterns"]) == 2
    apply(manager, arms, made.json()["id"], worker)
    assert len(found(arms, "rules:gazetteer")) == len(kinzhals()) + 1

    jsonl = SimpleUploadedFile("p.jsonl", b'{"label": "PERSON", "pattern": [{"LOWER": "kim"}]}\n')
    made = manager.post(rules_path(arms), {"file": jsonl, "name": "people"}, format="multipart")
    assert made.status_code == 201 and made.json()["name"] == "people"

    bad = SimpleUploadedFile("bad.tsv", b"Kinzhal WEAPONS\n")
    refused = manager.post(rules_path(arms), {"file": bad}, format="multipart")
    assert refused.json() == {"file": ["bad.tsv:1: expected text<TAB>LABEL"]}
    unknown = SimpleUploadedFile("u.tsv", b"Kinzhal\tMISSILE\n")
    refused = manager.post(rules_path(arms), {"file": unknown}, format="multipart")
    assert "unknown label 'MISSILE'" in refused.json()["patterns"][0]


def test_a_set_whose_label_was_deleted_since_fails_in_words(arms, client_for, worker):
    manager = client_for("manager")
    made = add(manager, arms, [{"label": "LOCATION", "pattern": "Russia"}]).json()
    arms.labels["LOCATION"].delete()
    answer = manager.post(f"{rules_path(arms)}{made['id']}/apply/")
    worker()
    job = Job.objects.get(pk=answer.json()["job"])
    assert job.status == "failed" and "LOCATION" in job.error and "nothing was stored" in job.error
