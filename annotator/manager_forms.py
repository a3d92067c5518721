"""Forms of the managers' pages: a project's settings, its labels and its members.

They check shapes (lengths, numbers, a choice of role); the rules (a label's name and key
unique in the project, keys the workspace keeps, readable colours, a project keeps a
manager) are the services', whose errors come back next to the field they name.
"""

from django import forms
from django.core.exceptions import ValidationError

from . import services
from .models import DocumentLabels, LabelKind, Project, QueueOrder, Role


class ProjectForm(forms.ModelForm):
    # The same bounds as the API's (and every database's small integer).
    annotators_per_document = forms.IntegerField(
        label="Annotators per document",
        min_value=1,
        max_value=1000,
        initial=1,
        help_text="How many annotators should each tag every document (2 or more to "
        "measure agreement).",
        error_messages={
            "required": "Give the number of annotators per document, e.g. 2.",
            "min_value": "At least one annotator must tag each document.",
            "max_value": "At most 1,000 annotators per document.",
            "invalid": "Give a whole number, e.g. 2.",
        },
    )

    # Models (the models page trains and runs them). Left out of a form, they keep their
    # value: a form that does not show them changes nothing of them.
    train_every = forms.IntegerField(
        label="Retrain after",
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text="Train a new model after this many newly reviewed documents; its "
        "suggestions follow. 0: never (train from the models page).",
        error_messages={
            "min_value": "Give 0 (never) or a number of documents, e.g. 20.",
            "max_value": "At most 1,000,000 documents.",
            "invalid": "Give a whole number of documents, e.g. 20.",
        },
    )
    order = forms.ChoiceField(
        label="Queue order",
        choices=QueueOrder.choices,
        required=False,
        help_text="The order in which annotators are offered documents.",
    )
    random_fraction = forms.FloatField(
        label="Random share",
        min_value=0.0,
        max_value=1.0,
        required=False,
        help_text="With the least-confident order, this share of the documents (0 to 1) is "
        "offered at random, so that the model's evaluation stays unbiased.",
        error_messages={
            "min_value": "Give a share from 0 to 1, e.g. 0.1.",
            "max_value": "Give a share from 0 to 1, e.g. 0.1.",
            "invalid": "Give a share from 0 to 1, e.g. 0.1.",
        },
    )
    # Not required: a form that does not send it leaves the setting as it is.
    document_labels = forms.ChoiceField(
        label="Document labels",
        choices=DocumentLabels.choices,
        required=False,
        help_text="How many document labels (categories) one annotator may give a document: "
        "with one, a new one replaces the old.",
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "description",
            "guidelines",
            "allow_overlap",
            "annotators_per_document",
            "train_every",
            "order",
            "random_fraction",
            "document_labels",
        ]
        labels = {"allow_overlap": "Allow overlapping spans"}
        help_texts = {
            "description": "One or two sentences, shown on the project list.",
            "guidelines": "Markdown: what to tag and how. Annotators open it with ? in the "
            "workspace.",
            "allow_overlap": "Let one annotator's spans nest or overlap. Formats that cannot "
            "hold overlaps (CoNLL, spaCy) say what they drop on export.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "guidelines": forms.Textarea(attrs={"rows": 12}),
        }
        error_messages = {
            "name": {"required": "Give the project a name."},
        }

    def clean_document_labels(self) -> str:
        return (
            self.cleaned_data["document_labels"]
            or self.instance.document_labels
            or DocumentLabels.MULTI
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Give the project a name.")
        return name

    def _kept(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None or value == "":
            return getattr(self.instance, name)
        return value

    def clean_train_every(self) -> int:
        return self._kept("train_every")

    def clean_order(self) -> str:
        return self._kept("order")

    def clean_random_fraction(self) -> float:
        return self._kept("random_fraction")


class ColorInput(forms.TextInput):
    input_type = "color"


class LabelForm(forms.Form):
    """A label's values as typed. Lengths, shapes and every rule are the service's
    (``services.label_errors``), so the page words its refusals as the API and the admin do;
    the ``maxlength`` attributes only help the typing."""

    name = forms.CharField(
        help_text="One word, written into exports, e.g. WEAPONS.",
        error_messages={"required": services.NAME_MISSING},
        widget=forms.TextInput(attrs={"maxlength": services.NAME_MAX}),
    )
    description = forms.CharField(
        required=False,
        help_text="Shown as a tip on the label's button.",
        widget=forms.TextInput(attrs={"maxlength": services.DESCRIPTION_MAX}),
    )
    color = forms.CharField(
        label="Colour",
        required=False,  # a new label without one takes the palette's next
        widget=ColorInput,
        help_text="Its name is drawn in white on it: choose a dark colour.",
    )
    shortcut = forms.CharField(
        label="Key",
        required=False,
        strip=False,
        help_text="One key that applies the label in the workspace, e.g. 1 or w.",
        widget=forms.TextInput(attrs={"size": 2, "maxlength": 1, "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label="Tags",
        choices=[("span", "Spans of text"), ("document", "Whole documents (a category)")],
        required=False,
        widget=forms.RadioSelect,
        help_text="A document label is toggled above the article, not applied to a selection.",
    )

    def clean_kind(self) -> str | None:
        # Not sent: the label keeps its kind (a new one is a span label).
        return self.cleaned_data["kind"] or None


class RelationTypeForm(forms.Form):
    """A relation type: its name, and the span labels its source and target may have
    (none ticked: any). The rules are the service's (``services.relation_type_create``)."""

    name = forms.CharField(
        help_text="One word, written into exports, e.g. SUPPLIES.",
        widget=forms.TextInput(attrs={"maxlength": 100}),
        error_messages={"required": "Give the relation type a name, e.g. SUPPLIES."},
    )
    source_labels = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="From",
        help_text="The labels its source span may have; none ticked: any.",
    )
    target_labels = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="To",
        help_text="The labels its target span may have; none ticked: any.",
    )
    directed = forms.BooleanField(required=False, initial=True, label="Directed (from → to)")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        # The project's span labels only: never another project's (one door for choices).
        span_labels = project.labels.exclude(kind=LabelKind.DOCUMENT).order_by("order", "name")
        self.fields["source_labels"].queryset = span_labels
        self.fields["target_labels"].queryset = span_labels


class LabelDeleteForm(forms.Form):
    into = forms.TypedChoiceField(
        label="Merge its spans into",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Every span of this label becomes a span of the chosen one, in one step "
        "that the history shows and that can be undone.",
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "(no merge: delete an unused label)")] + [
            (label.pk, label.name) for label in targets
        ]


class MemberForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="An existing account's username; type two letters for suggestions.",
        error_messages={"required": "Give the username of the person to add."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "list": "username-suggestions", "spellcheck": "false"}
        ),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal next to the fields it names (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)
