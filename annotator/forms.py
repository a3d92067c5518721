"""Forms of the admin: a document import, and the objects that live inside a project.

Which projects, labels, documents and users a staff user may choose is decided by the admin
(``formfield_for_foreignkey``, through ``permissions``); these forms check that what was
chosen fits together, so a forged POST cannot tie an object to another project's rows.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat

from . import services
from .models import ORDER_MAX, Label, Membership, Project, Role


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .txt file (one document) or a .jsonl file: one {text, title?, "
        "external_id?, meta?, spans?} or doccano {text, label} object a line."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The same limit as the API's request body, checked before anything is read.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if upload.size > limit:
            raise ValidationError(
                f"“{upload.name}” is {filesizeformat(upload.size)}, larger than the import "
                f"limit of {filesizeformat(limit)}: split it into several files."
            )
        return upload


def _project_of(form: forms.ModelForm) -> Project | None:
    """The project the form puts its object in: the chosen one when the form offers a
    choice (None if that choice was refused), else the object's own (or the inline's
    parent's)."""
    if "project" in form.fields:
        return form.cleaned_data.get("project")
    return getattr(form.instance, "project", None)


class ProjectScopedForm(forms.ModelForm):
    """An object inside a project: its label, document and user must belong to that project."""

    def clean(self):
        cleaned = super().clean()
        project = _project_of(self)
        if project is None or project.pk is None:
            return cleaned
        label = cleaned.get("label")
        if label is not None and label.project_id != project.pk:
            self.add_error("label", f"“{label}” is not a label of “{project}”.")
        document = cleaned.get("document")
        if document is not None and not project.documents.filter(pk=document.pk).exists():
            self.add_error("document", f"“{document}” is not a document of “{project}”.")
        user = cleaned.get("user")
        if user is not None and not project.memberships.filter(user=user).exists():
            self.add_error("user", f"{user} is not a member of “{project}”.")
        return cleaned


class LabelForm(ProjectScopedForm):
    """A label in the admin, judged by ``services.label_errors`` as the labels page and the
    API judge one: the same refusals in the same words (the model's own validators and
    constraints are not asked for a field the rule has refused, so no constraint's name
    shows). A new label without a colour takes the palette's next, without a place the
    last one."""

    name = forms.CharField(
        help_text="One word, written into exports, e.g. WEAPONS.",
        error_messages={"required": services.NAME_MISSING},
        widget=forms.TextInput(attrs={"maxlength": services.NAME_MAX}),
    )
    description = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 40}))
    color = forms.CharField(
        label="Colour",
        required=False,
        help_text="#rrggbb, dark enough for white text; left empty on a new label, the "
        "palette's next.",
    )
    shortcut = forms.CharField(
        label="Key",
        required=False,
        strip=False,
        help_text="One key that applies the label in the workspace.",
        widget=forms.TextInput(attrs={"size": 2, "maxlength": 1}),
    )
    order = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=ORDER_MAX,
        help_text="Its place in the list; left empty on a new label, the last.",
    )

    class Meta:
        model = Label
        fields = ["project", "name", "description", "color", "shortcut", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # Not the model's default: an empty colour is the palette's next.
            self.initial["color"] = ""
            self.initial["order"] = None

    def clean_project(self):
        project = self.cleaned_data["project"]
        label = self.instance
        # Spans and their history point to the label inside its project.
        if label.pk and project.pk != label.project_id and label.spans.exists():
            raise ValidationError(
                "Spans use this label: it cannot move to another project. "
                "Make a new label in that project instead."
            )
        return project

    def clean(self):
        cleaned = super().clean()
        project = _project_of(self)
        if project is None:
            return cleaned
        values = self.label_values()
        if not values["color"] and self.instance._state.adding:
            values["color"] = services.label_color(project)
        # Against the stored labels, also on the project's page (where the formset then
        # compares the rows): rows are saved one by one, so a name or key is free only once
        # it is free in the database.
        errors = services.label_errors(project, label=self.instance, **values)
        for field, problems in errors.items():
            if field not in self._errors:
                self.add_error(field, problems)
        cleaned.update({field: value for field, value in values.items() if field not in errors})
        if cleaned.get("order") is None:
            cleaned["order"] = (
                (project.labels.next_order() if project.pk else 0)
                if self.instance._state.adding
                else self.instance.order
            )
        return cleaned

    def label_values(self) -> dict[str, str]:
        return services.label_values(
            **{
                field: self.cleaned_data.get(field) or ""
                for field in ("name", "description", "color", "shortcut")
            }
        )


class LabelFormSet(BaseInlineFormSet):
    """Labels on their project's page: each row judged by the same rule against the
    project's other labels as this page leaves them (rows changed together included), and a
    label spans use is not deleted (``services.label_in_use``)."""

    def validate_unique(self):
        # The rule below compares the rows (names and keys whatever their case) and says
        # which label has the name or key; Django's check would only repeat it, in its words.
        pass

    def clean(self):
        super().clean()
        kept, deleted = [], []
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk:
                    deleted.append(form.instance)
            elif form.instance.pk or form.has_changed():
                kept.append(form)
        stored = []
        if self.instance.pk:
            on_page = [form.instance.pk for form in self.forms if form.instance.pk]
            labels = self.instance.labels.exclude(pk__in=on_page)
            stored = list(labels.values_list("name", "shortcut"))
        rows = [(form, form.label_values()) for form in kept]
        for form, values in rows:
            others = stored + [(o["name"], o["shortcut"]) for row, o in rows if row is not form]
            errors = services.label_errors(
                self.instance, label=form.instance, others=others, **values
            )
            for field in ("name", "shortcut"):
                if field in errors and field not in form.errors:
                    form.add_error(field, errors[field])
        problems = [services.label_in_use(label) for label in deleted]
        if any(problems):
            raise ValidationError([problem for problem in problems if problem])


class MembershipForm(forms.ModelForm):
    """A member named by username, as in the API: the admin lists no accounts."""

    username = forms.CharField(
        max_length=150, help_text="The username of an existing account (none is made here)."
    )

    class Meta:
        model = Membership
        fields = ["project", "username", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("username", self.instance.user.get_username())

    def clean_username(self):
        username = self.cleaned_data["username"]
        try:
            return get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise ValidationError(f"There is no user called {username!r}.") from None

    def clean(self):
        cleaned = super().clean()
        user, project = cleaned.get("username"), _project_of(self)
        if user is None:
            return cleaned
        self.instance.user = user
        if project is not None and project.pk is not None:
            others = Membership.objects.filter(project=project, user=user)
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "username",
                    f"{user} is already a member of “{project}”: change that membership instead.",
                )
        role = cleaned.get("role")
        changing = self.instance.pk and role and "role" in self.changed_data
        if (
            changing
            and self._in_own_form()
            and not services.managers_left(self.instance.project, {self.instance.pk: role})
        ):
            self.add_error("role", services.NEEDS_A_MANAGER)
        return cleaned

    def _in_own_form(self) -> bool:
        # On the project's page the formset weighs every row's change together.
        return not getattr(self, "in_formset", False)


class MembershipFormSet(BaseInlineFormSet):
    """Memberships on their project's page: one a person (the forms check the database,
    this the other forms of the page)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.in_formset = True
        return form

    def clean(self):
        super().clean()
        seen: set[int] = set()
        changes: dict[int, str | None] = {}
        for index, form in enumerate(self.forms):
            key = form.instance.pk or -1 - index  # a new row has no id yet
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk:
                    changes[key] = None
                continue
            cleaned = getattr(form, "cleaned_data", {})
            if form.has_changed() and cleaned.get("role"):
                changes[key] = cleaned["role"]
            user = cleaned.get("username")
            if user is None:
                continue
            if user.pk in seen:
                raise ValidationError(f"{user} is named twice: a person has one membership.")
            seen.add(user.pk)
        if self.instance.pk and changes and not services.managers_left(self.instance, changes):
            raise ValidationError(services.NEEDS_A_MANAGER)

    def save_through_services(self, *, creator=None) -> None:
        """Store the page's changes as the API would: additions and changes first, the new
        managers' before the rest (a new manager before an old one steps down), then
        removals. On a new project, rows naming its ``creator`` are passed over: the
        creator is its manager, whatever the row says."""
        memberships = self.save(commit=False)
        memberships.sort(key=lambda membership: membership.role != Role.MANAGER)
        for membership in memberships:
            if creator is not None and membership.user_id == creator.pk:
                continue
            moved_from = stored_if_renamed(membership)
            services.member_set(project=self.instance, user=membership.user, role=membership.role)
            if moved_from is not None:
                services.member_remove(membership=moved_from)
        for membership in self.deleted_objects:
            services.member_remove(membership=membership)


def stored_if_renamed(membership: Membership) -> Membership | None:
    """The stored row when the form renamed its member (to be replaced), else None."""
    if membership.pk is None:
        return None
    stored = Membership.objects.select_related("project").get(pk=membership.pk)
    return stored if stored.user_id != membership.user_id else None
