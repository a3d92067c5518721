"""Moving in through the Import page in a real browser: doccano's export zip chosen, the
“Create missing labels” box ticked by keyboard, the summary read as a person reads it."""

from annotator.models import Membership, Project, Role, Span
from tests.moving_in.conftest import PER_USER


def test_a_manager_moves_in_from_doccano_on_the_import_page(page, sign_in, make_user):
    project = Project.objects.create(name="Newsroom", annotators_per_document=2)
    for name, role in [
        ("manager", Role.MANAGER),
        ("admin", Role.ANNOTATOR),
        ("ann2", Role.ANNOTATOR),
    ]:
        Membership.objects.create(project=project, user=make_user(name), role=role)

    sign_in("manager", "pw-manager-123")
    page.goto(f"/projects/{project.pk}/import/")
    page.set_input_files("#id_files", str(PER_USER))
    page.focus("#id_create_labels")
    page.keyboard.press("Space")
    assert page.is_checked("#id_create_labels")
    page.click("#import-form button[type=submit]")
    page.wait_for_url(f"**/projects/{project.pk}/import/")
    text = page.inner_text("ul.messages")
    assert "Imported 6 documents, 19 spans and 2 comments." in text
    assert "Labels created: PER, LOC, ORG, MISC." in text
    assert "5 spans read as UTF-16 code units" in text
    assert Span.objects.filter(annotator__username="ann2").count() == 8
    assert page.problems == []
