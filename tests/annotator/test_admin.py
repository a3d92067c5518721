from io import BytesIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.forms import modelform_factory
from django.urls import reverse

from annotator.forms import ImportForm, ProjectScopedForm
from annotator.models import DocumentStatus, Label, Membership, Project, Role, Span
from annotator.services import span_create
from corpus.models import Document


@pytest.fixture
def tagged(project, document, weapons, people):
    return span_create(
        project=project, document=document, annotator=people["alice"], label=weapons, start=0, end=2
    )


ADMIN_PAGES = [
    "admin:index",
    "admin:annotator_project_changelist",
    "admin:annotator_label_changelist",
    "admin:annotator_membership_changelist",
    "admin:annotator_span_changelist",
    "admin:annotator_documentstatus_changelist",
    "admin:corpus_document_changelist",
    "admin:annotator_project_add",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_render_for_a_superuser(client, people, tagged, name):
    client.force_login(people["root"])
    assert client.get(reverse(name)).status_code == 200


def test_change_pages_render_with_inlines(client, people, tagged, project, document):
    client.force_login(people["root"])
    page = client.get(reverse("admin:annotator_project_change", args=[project.pk]))
    assert page.status_code == 200 and b"WEAPONS" in page.content and b"alice" in page.content
    page = client.get(reverse("admin:corpus_document_change", args=[document.pk]))
    assert page.status_code == 200
    # The span shows on the document, read-only; the text is locked because spans point into it.
    assert b"WEAPONS" in page.content
    assert b'name="text"' not in page.content


def test_a_manager_sees_only_their_projects_in_the_admin(client, people, tagged, project):
    hidden = Project.objects.create(name="Secret project")
    client.force_login(people["manager"])
    page = client.get(reverse("admin:annotator_project_changelist"))
    assert page.status_code == 200
    assert b"Arms" in page.content and b"Secret project" not in page.content
    assert (
        client.get(reverse("admin:annotator_project_change", args=[hidden.pk])).status_code == 302
    )


def test_admin_import_stores_an_uploaded_jsonl(client, people, project):
    client.force_login(people["root"])
    upload = SimpleUploadedFile(
        "docs.jsonl", b'{"text": "Kim met Putin", "label": [[0, 3, "PERSON"]]}\n'
    )
    url = reverse("admin:annotator_project_import", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert project.documents.get().text == "Kim met Putin"
    assert Span.objects.get().annotator == people["root"]


def test_admin_import_refuses_a_bad_file_and_stores_nothing(client, people, project):
    client.force_login(people["root"])
    upload = SimpleUploadedFile(
        "docs.jsonl", b'{"text": "ok"}\n{"text": "abc", "label": [[0, 99, "PERSON"]]}\n'
    )
    response = client.post(
        reverse("admin:annotator_project_import", args=[project.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert b"docs.jsonl:2" in response.content and b"past the end" in response.content
    assert not Document.objects.exists()


def test_an_annotator_has_no_admin(client, people):
    client.force_login(people["alice"])
    assert client.get(reverse("admin:index")).status_code == 302


# The admin's scope: what a staff manager may choose, filter, save and delete -----------------
#
# The manager manages "Arms", only reviews "Charlie reviewed" and is not in "Bravo secret".
# Nothing of Bravo may show in a page they get, nor be saved through a forged POST; Charlie
# they read, but may not put anything in.


@pytest.fixture
def bravo(db, make_user) -> SimpleNamespace:
    """Another project, with a label, a document and a member of its own."""
    project = Project.objects.create(name="Bravo secret")
    label = Label.objects.create(project=project, name="SECRETLABEL")
    document = Document.objects.create(title="Secret memo", text="Classified.", external_id="memo")
    project.documents.add(document)
    user = make_user("bravo-spy")
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    return SimpleNamespace(project=project, label=label, document=document, user=user)


@pytest.fixture
def charlie(people) -> Project:
    """A project the manager of Arms only reviews."""
    project = Project.objects.create(name="Charlie reviewed")
    Label.objects.create(project=project, name="CHARLIELABEL")
    Membership.objects.create(project=project, user=people["manager"], role=Role.REVIEWER)
    return project


@pytest.fixture
def manager(client, people):
    client.force_login(people["manager"])
    return client


BRAVO_NAMES = [b"Bravo secret", b"SECRETLABEL", b"Secret memo", b"bravo-spy"]


def shows_nothing_of(response, *names: bytes) -> bool:
    return not [name for name in names if name in response.content]


def form_of(response):
    return response.context["adminform"].form


def add_url(model: str) -> str:
    return reverse(f"admin:annotator_{model}_add")


def test_the_membership_form_names_the_member_by_username_and_offers_only_managed_projects(
    manager, project, bravo, charlie
):
    page = manager.get(add_url("membership"))
    assert page.status_code == 200
    assert shows_nothing_of(page, *BRAVO_NAMES, b"Charlie reviewed", b"outsider", b"alice")
    form = form_of(page)
    assert list(form.fields["project"].queryset) == [project]
    assert "user" not in form.fields and b'name="username"' in page.content


def test_a_forged_membership_in_another_project_is_refused(manager, people, project, bravo):
    """The finding: a manager of A added themselves to B, then read and exported B."""
    before = Membership.objects.count()
    response = manager.post(
        add_url("membership"),
        {"project": bravo.project.pk, "username": "manager", "role": Role.MANAGER},
    )
    assert response.status_code == 200
    assert "project" in form_of(response).errors
    assert Membership.objects.count() == before
    assert not bravo.project.memberships.filter(user=people["manager"]).exists()


def test_a_membership_may_not_go_into_a_merely_reviewed_project(manager, people, charlie):
    before = Membership.objects.count()
    response = manager.post(
        add_url("membership"), {"project": charlie.pk, "username": "alice", "role": "annotator"}
    )
    assert response.status_code == 200 and "project" in form_of(response).errors
    assert Membership.objects.count() == before


def test_an_unknown_or_duplicate_username_is_a_form_error(manager, people, project):
    before = Membership.objects.count()
    unknown = manager.post(
        add_url("membership"), {"project": project.pk, "username": "ghost", "role": "annotator"}
    )
    assert unknown.status_code == 200
    assert form_of(unknown).errors["username"] == ["There is no user called 'ghost'."]
    again = manager.post(
        add_url("membership"), {"project": project.pk, "username": "alice", "role": "reviewer"}
    )
    assert again.status_code == 200
    assert "already a member of “Arms”" in form_of(again).errors["username"][0]
    assert Membership.objects.count() == before


def test_a_manager_adds_a_member_by_username(manager, people, project):
    response = manager.post(
        add_url("membership"), {"project": project.pk, "username": "outsider", "role": "reviewer"}
    )
    assert response.status_code == 302
    assert project.memberships.get(user=people["outsider"]).role == Role.REVIEWER


def test_a_membership_cannot_move_to_another_project(manager, people, project, bravo):
    membership = project.memberships.get(user=people["alice"])
    response = manager.post(
        reverse("admin:annotator_membership_change", args=[membership.pk]),
        {"project": bravo.project.pk, "username": "alice", "role": "annotator"},
    )
    assert response.status_code == 200 and "project" in form_of(response).errors
    membership.refresh_from_db()
    assert membership.project == project


def test_the_label_form_offers_only_managed_projects(manager, project, bravo, charlie):
    page = manager.get(add_url("label"))
    assert page.status_code == 200
    assert shows_nothing_of(page, b"Bravo secret", b"Charlie reviewed")
    assert list(form_of(page).fields["project"].queryset) == [project]


def label_form(project_id: int, name: str = "NEWLABEL") -> dict:
    return {"project": project_id, "name": name, "color": "#123456", "order": 0}


def test_a_forged_label_in_another_project_is_refused(manager, project, bravo, charlie):
    before = Label.objects.count()
    for foreign in (bravo.project, charlie):
        response = manager.post(add_url("label"), label_form(foreign.pk))
        assert response.status_code == 200 and "project" in form_of(response).errors
    assert Label.objects.count() == before
    assert manager.post(add_url("label"), label_form(project.pk)).status_code == 302
    assert project.labels.filter(name="NEWLABEL").exists()


def test_a_label_cannot_move_to_another_project(manager, people, project, weapons, bravo, tagged):
    url = reverse("admin:annotator_label_change", args=[weapons.pk])
    response = manager.post(url, label_form(bravo.project.pk, "WEAPONS"))
    assert response.status_code == 200 and "project" in form_of(response).errors
    # Nor, while spans use it, to another project the manager does manage.
    other = Project.objects.create(name="Arms two")
    Membership.objects.create(project=other, user=people["manager"], role=Role.MANAGER)
    response = manager.post(url, label_form(other.pk, "WEAPONS"))
    assert response.status_code == 200
    assert "Spans use this label" in form_of(response).errors["project"][0]
    weapons.refresh_from_db()
    assert weapons.project == project


def status_form(project_id: int, document_id: int, user_id: int) -> dict:
    return {"project": project_id, "document": document_id, "user": user_id, "status": "new"}


@pytest.mark.parametrize("who", ["manager", "root"])
def test_document_statuses_are_claims_made_by_the_services_only(
    client, people, project, document, bravo, who
):
    """A status row holds one of a document's places: the admin adds and edits none (a
    forged one for another project, or past the place rule, cannot be made here)."""
    client.force_login(people[who])
    before = DocumentStatus.objects.count()
    for target in [project, bravo.project]:
        data = status_form(target.pk, document.pk, people["alice"].pk)
        assert client.post(add_url("documentstatus"), data).status_code == 403
    assert DocumentStatus.objects.count() == before
    claim = DocumentStatus.objects.create(project=project, document=document, user=people["bob"])
    change = reverse("admin:annotator_documentstatus_change", args=[claim.pk])
    data = status_form(project.pk, document.pk, people["bob"].pk) | {"status": "complete"}
    assert client.post(change, data).status_code == 403
    assert DocumentStatus.objects.get(pk=claim.pk).status == "new"


def test_a_label_of_one_project_on_an_object_of_another_is_refused(project, bravo):
    """The forms check that the rows chosen fit together, whatever the choices offered."""
    form_class = modelform_factory(Span, form=ProjectScopedForm, fields=["project", "label"])
    form = form_class(data={"project": project.pk, "label": bravo.label.pk})
    assert not form.is_valid()
    assert form.errors["label"] == ["“SECRETLABEL” is not a label of “Arms”."]


def test_the_project_page_inlines_list_no_accounts(manager, people, project, bravo):
    page = manager.get(reverse("admin:annotator_project_change", args=[project.pk]))
    assert page.status_code == 200
    assert shows_nothing_of(page, *BRAVO_NAMES, b"outsider", b'name="memberships-0-user"')
    # The managers see the members by username, and change them there.
    assert b'name="memberships-0-username"' in page.content
    assert b'value="alice"' in page.content and b"WEAPONS" in page.content


def inline_post(project: Project, *members: tuple[str, str]) -> dict:
    data = {
        "name": project.name,
        "annotators_per_document": 1,
        "labels-TOTAL_FORMS": 0,
        "labels-INITIAL_FORMS": 0,
        "memberships-TOTAL_FORMS": len(members),
        "memberships-INITIAL_FORMS": 0,
    }
    for index, (username, role) in enumerate(members):
        data[f"memberships-{index}-username"] = username
        data[f"memberships-{index}-role"] = role
        data[f"memberships-{index}-project"] = project.pk or ""
    return data


def test_the_members_inline_refuses_unknown_and_repeated_usernames(manager, project):
    url = reverse("admin:annotator_project_change", args=[project.pk])
    before = Membership.objects.count()
    for members in [
        [("ghost", "annotator")],
        [("alice", "reviewer")],
        [("outsider", "annotator"), ("outsider", "reviewer")],
    ]:
        response = manager.post(url, inline_post(project, *members))
        assert response.status_code == 200, members
    assert Membership.objects.count() == before
    response = manager.post(url, inline_post(project, ("outsider", "annotator")))
    assert response.status_code == 302
    assert Membership.objects.count() == before + 1


def test_a_new_project_keeps_its_creator_as_manager_whatever_the_inline_says(manager, people):
    response = manager.post(
        add_url("project"),
        inline_post(Project(name="Delta"), ("manager", "annotator"), ("alice", "annotator")),
    )
    assert response.status_code == 302
    delta = Project.objects.get(name="Delta")
    roles = dict(delta.memberships.values_list("user__username", "role"))
    assert roles == {"manager": Role.MANAGER, "alice": Role.ANNOTATOR}


CHANGELISTS = [
    "admin:annotator_label_changelist",
    "admin:annotator_membership_changelist",
    "admin:annotator_span_changelist",
    "admin:annotator_documentstatus_changelist",
    "admin:annotator_spanevent_changelist",
    "admin:corpus_document_changelist",
]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_list_filters_name_only_what_the_manager_may_see(manager, tagged, bravo, charlie, name):
    page = manager.get(reverse(name))
    assert page.status_code == 200
    assert shows_nothing_of(page, *BRAVO_NAMES)


def test_the_label_filter_of_spans_lists_the_labels_of_seen_projects(
    manager, tagged, bravo, charlie
):
    page = manager.get(reverse("admin:annotator_span_changelist"))
    assert b"CHARLIELABEL" in page.content and b"WEAPONS" in page.content
    assert b"SECRETLABEL" not in page.content


def test_a_superuser_is_offered_every_project_and_filters_on_them(client, people, bravo):
    client.force_login(people["root"])
    assert b"Bravo secret" in client.get(reverse("admin:annotator_label_changelist")).content
    page = client.get(add_url("membership"))
    assert b"Bravo secret" in page.content


def test_search_finds_nothing_of_another_project(manager, project, bravo):
    for name, term in [
        ("admin:annotator_membership_changelist", "bravo"),
        ("admin:annotator_label_changelist", "SECRET"),
        ("admin:corpus_document_changelist", "Classified"),
        ("admin:annotator_project_changelist", "Bravo"),
    ]:
        page = manager.get(reverse(name), {"q": term})
        assert page.status_code == 200 and list(page.context["cl"].result_list) == [], name


@pytest.mark.parametrize("who", ["manager", "root"])
def test_spans_are_read_only_in_the_admin(client, people, tagged, who):
    """A layer is changed only by its annotator: the admin reads it (and restores from the
    history), for managers and superusers alike."""
    client.force_login(people[who])
    delete = reverse("admin:annotator_span_delete", args=[tagged.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = client.post(
        reverse("admin:annotator_span_changelist"),
        {"action": "delete_selected", "_selected_action": [tagged.pk], "post": "yes"},
    )
    assert listing.status_code in {200, 302}
    change = reverse("admin:annotator_span_change", args=[tagged.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"start": 1, "end": 2}).status_code == 403
    assert Span.objects.filter(pk=tagged.pk, start=0, end=2).exists()


def test_an_upload_past_the_limit_is_refused_before_it_is_read(settings, manager, project):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    line = b'{"text": "Kim met Putin in Vostochny and they spoke about artillery."}\n'
    upload = SimpleUploadedFile("big.jsonl", line * (1024 // len(line) + 1))
    response = manager.post(
        reverse("admin:annotator_project_import", args=[project.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert "the import limit of 1.0\xa0KB" in response.context["form"].errors["file"][0]
    assert not Document.objects.exists()


def test_the_import_form_names_the_apis_limit():
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert size == 20 * 1024 * 1024
    big = InMemoryUploadedFile(BytesIO(b"{}"), "file", "big.jsonl", "text/plain", size + 1, None)
    form = ImportForm(files={"file": big})
    assert not form.is_valid()
    assert "the import limit of 20.0\xa0MB" in form.errors["file"][0]


def test_only_a_manager_of_the_project_imports_into_it(client, people, project, bravo, charlie):
    upload = SimpleUploadedFile("docs.jsonl", b'{"text": "Kim met Putin"}\n')
    people["reviewer"].is_staff = True
    people["reviewer"].save()
    client.force_login(people["reviewer"])
    url = reverse("admin:annotator_project_import", args=[project.pk])
    assert client.post(url, {"file": upload}).status_code == 302
    client.force_login(people["manager"])
    for other, refused in [(bravo.project, 404), (charlie, 302)]:
        url = reverse("admin:annotator_project_import", args=[other.pk])
        upload.seek(0)
        assert client.post(url, {"file": upload}).status_code == refused
    assert not Document.objects.filter(text="Kim met Putin").exists()


def test_a_reviewer_reads_the_members_by_username(client, people, project):
    people["reviewer"].is_staff = True
    people["reviewer"].save()
    client.force_login(people["reviewer"])
    page = client.get(reverse("admin:annotator_project_change", args=[project.pk]))
    assert page.status_code == 200 and b"<p>alice</p>" in page.content
    assert b'name="memberships-0-username"' not in page.content
    bobs = project.memberships.get(user=people["bob"])
    page = client.get(reverse("admin:annotator_membership_change", args=[bobs.pk]))
    assert page.status_code == 200 and b'<div class="readonly">bob</div>' in page.content


# Memberships are written by the services, as through the API: a project keeps a manager.


def test_the_last_manager_is_not_demoted_in_the_membership_form(manager, people, project):
    membership = Membership.objects.get(project=project, user=people["manager"])
    url = reverse("admin:annotator_membership_change", args=[membership.pk])
    response = manager.post(
        url, {"project": project.pk, "username": "manager", "role": Role.ANNOTATOR}
    )
    assert response.status_code == 200
    assert "A project needs a manager" in str(form_of(response).errors)
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER


def test_the_last_manager_is_not_deleted_in_the_admin(manager, people, project):
    membership = Membership.objects.get(project=project, user=people["manager"])
    url = reverse("admin:annotator_membership_delete", args=[membership.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_members_inline_keeps_a_manager_and_hands_over_in_one_save(manager, people, project):
    url = reverse("admin:annotator_project_change", args=[project.pk])
    rows = list(project.memberships.select_related("user").order_by("pk"))

    def post(roles: dict[str, str]):
        data = inline_post(project)
        data |= {"memberships-TOTAL_FORMS": len(rows), "memberships-INITIAL_FORMS": len(rows)}
        for index, row in enumerate(rows):
            data[f"memberships-{index}-id"] = row.pk
            data[f"memberships-{index}-username"] = row.user.username
            data[f"memberships-{index}-role"] = roles.get(row.user.username, row.role)
            data[f"memberships-{index}-project"] = project.pk
        return manager.post(url, data)

    refused = post({"manager": Role.REVIEWER})
    assert refused.status_code == 200 and b"A project needs a manager" in refused.content
    assert project.memberships.get(user=people["manager"]).role == Role.MANAGER
    # Naming a new manager in the same save as the old one steps down is a hand-over.
    assert post({"manager": Role.REVIEWER, "reviewer": Role.MANAGER}).status_code == 302
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert (roles["manager"], roles["reviewer"]) == (Role.REVIEWER, Role.MANAGER)
