"""Agreement on document labels: Cohen's kappa per pair and label, Krippendorff's alpha
per label, over the documents two or more annotators completed."""

import krippendorff
import numpy as np
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score

from annotator.agreement import project_agreement
from annotator.services import category_add, document_complete
from corpus.models import Document


def test_kappa_and_alpha_per_document_label(project, people, kinds):
    alice, bob = people["alice"], people["bob"]
    # TRANSFER per document: alice 1 1 0 0, bob 1 0 0 0; SUMMIT: alice 0 0 1 1, bob 0 1 1 1.
    given = {
        alice: [{"TRANSFER"}, {"TRANSFER"}, {"SUMMIT"}, {"SUMMIT"}],
        bob: [{"TRANSFER"}, {"SUMMIT"}, {"SUMMIT"}, {"SUMMIT"}],
    }
    documents = []
    for n in range(4):
        document = Document.objects.create(title=f"D{n}", text=f"Document {n} text.")
        project.documents.add(document)
        documents.append(document)
    for user, per_document in given.items():
        for document, names in zip(documents, per_document, strict=True):
            for name in names:
                category_add(project=project, document=document, annotator=user, label=kinds[name])
            document_complete(project=project, document=document, user=user)

    result = project_agreement(project)

    transfer_a, transfer_b = [1, 1, 0, 0], [1, 0, 0, 0]
    expected_kappa = cohen_kappa_score(transfer_a, transfer_b)
    (pair,) = result["pairwise"]
    assert pair["document_labels"]["TRANSFER"]["kappa"] == expected_kappa
    assert result["document_labels"]["TRANSFER"]["kappa"] == expected_kappa
    expected_alpha = krippendorff.alpha(
        reliability_data=np.array([transfer_a, transfer_b], dtype=float),
        level_of_measurement="nominal",
    )
    assert result["document_labels"]["TRANSFER"]["krippendorff_alpha"] == expected_alpha
    summit = result["document_labels"]["SUMMIT"]
    assert summit["kappa"] == cohen_kappa_score([0, 0, 1, 1], [0, 1, 1, 1])
    # Document labels are not span labels: they are not in the spans' per_label.
    assert set(result["per_label"]) == {"WEAPONS", "PERSON", "LOCATION"}


def test_the_agreement_endpoint_shows_them_and_a_project_without_has_no_key(
    client, project, people, kinds, document
):
    client.force_login(people["reviewer"])
    url = reverse("api:project-agreement", kwargs={"pk": project.pk})
    for user in (people["alice"], people["bob"]):
        category_add(project=project, document=document, annotator=user, label=kinds["TRANSFER"])
        document_complete(project=project, document=document, user=user)

    body = client.get(url).json()

    assert body["document_labels"]["TRANSFER"] == {"kappa": None, "krippendorff_alpha": None}
    kinds["TRANSFER"].categories.all().delete()
    kinds["TRANSFER"].delete()
    kinds["SUMMIT"].delete()
    assert "document_labels" not in client.get(url).json()


def test_relation_f1_counts_the_same_type_between_the_same_extents(project, people, document):
    from annotator.services import relation_create, relation_type_create, span_create

    supplies = relation_type_create(project=project, name="SUPPLIES")
    meets = relation_type_create(project=project, name="MEETS")
    labels = {label.name: label for label in project.labels.all()}
    start = document.text.index("artillery")

    def layer(user, types):
        person = span_create(
            project=project,
            document=document,
            annotator=user,
            label=labels["PERSON"],
            start=0,
            end=2,
        )
        weapons = span_create(
            project=project,
            document=document,
            annotator=user,
            label=labels["WEAPONS"],
            start=start,
            end=start + 9,
        )
        for relation_type in types:
            relation_create(
                project=project,
                document=document,
                annotator=user,
                relation_type=relation_type,
                source=person,
                target=weapons,
            )
        document_complete(project=project, document=document, user=user)

    layer(people["alice"], [supplies, meets])
    layer(people["bob"], [supplies])

    (pair,) = project_agreement(project)["pairwise"]
    # One match (SUPPLIES) of 2 + 1 relations: 2·1 / 3.
    assert pair["relation_f1"] == 2 / 3
