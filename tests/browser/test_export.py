"""The export page in a real browser: the unreviewed-gold notice follows the form (htmx,
under the CSP), one click asks for the reviewed documents only, and the download's name."""

import re

from annotator.services import document_mark_reviewed, span_create
from corpus.models import Document


def test_gold_notice_appears_when_chosen_and_one_click_downloads_reviewed_only(
    page, sign_in, project, people
):
    weapons = project.labels.get(name="WEAPONS")
    documents = [Document.objects.create(text=f"Shells, batch {n}.") for n in range(3)]
    project.documents.add(*documents)
    for document in documents:
        span_create(
            project=project,
            document=document,
            annotator=people["reviewer"],
            label=weapons,
            start=0,
            end=6,
            gold=True,
        )
    document_mark_reviewed(project=project, document=documents[0], reviewer=people["reviewer"])

    sign_in("reviewer", "pw-reviewer-123")
    page.goto(f"/projects/{project.pk}/export/")
    notice = page.locator("#unreviewed-notice")
    assert notice.count() == 0

    page.select_option("#id_layer", "gold")
    notice.wait_for()
    assert notice.inner_text().startswith(
        "2 of 3 documents in this export have not been reviewed: their gold layer may be "
        "incomplete."
    )

    page.click("#reviewed-only")
    page.wait_for_url(re.compile(r"status=complete"))
    assert page.locator("#id_status").input_value() == "complete"
    assert "All 1 document(s) in this export have been reviewed." in page.inner_text("#export-card")
    assert page.locator("#unreviewed-notice").count() == 0

    with page.expect_download() as download:
        page.click("#export-card a.button.primary")
    assert download.value.suggested_filename == "arms_gold_reviewed_jsonl.jsonl"

    # Back to every document: the notice comes back before the download.
    page.select_option("#id_status", "any")
    page.locator("#unreviewed-notice").wait_for()
    assert page.problems == []
