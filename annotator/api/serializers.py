"""How the API reads and writes projects, labels, members, documents and spans.

Serializers check shapes and types; the rules on spans (bounds, overlap, duplicates) stay
in ``models.span_errors`` and are applied by ``services``. Anything that points at
another row is looked up in the request's project only, never in ``.objects.all()``.
"""

import math
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from corpus.models import Document

from .. import services
from ..models import (
    ORDER_MAX,
    DocumentLabels,
    Label,
    LabelKind,
    Membership,
    Project,
    Propagate,
    QueueOrder,
    Role,
    Span,
    Status,
)


def _text(**kwargs) -> serializers.CharField:
    # Kept as sent: ``services.label_values`` trims what it trims, as for the page and the
    # admin (a space given as a key is refused there, not taken for no key).
    return serializers.CharField(trim_whitespace=False, allow_blank=True, **kwargs)


class LabelSerializer(serializers.ModelSerializer):
    """A label of the project in ``context["project"]``.

    Only shapes are checked here (strings, a whole ``order``). The view writes through
    ``services.label_create`` / ``label_update``, which judge the values with
    ``services.label_errors``, the rule the labels page and the admin ask: the same
    refusals, in the same words, whichever door.
    """

    name = _text(error_messages={"required": services.NAME_MISSING})
    description = _text(required=False, allow_null=True)
    color = _text(
        required=False,
        allow_null=True,
        help_text="#rrggbb, dark enough for white text; a new label without one takes the "
        "palette's next.",
    )
    shortcut = _text(required=False, allow_null=True)
    order = serializers.IntegerField(required=False, min_value=0, max_value=ORDER_MAX)
    kind = serializers.ChoiceField(
        choices=LabelKind.values,
        required=False,
        help_text="span (default): it tags text; document: it tags whole documents.",
        error_messages={"invalid_choice": "Unknown kind {input!r}: use span or document."},
    )

    class Meta:
        model = Label
        fields = ["id", "name", "description", "color", "shortcut", "order", "kind"]

    def to_internal_value(self, data) -> dict[str, Any]:
        values = super().to_internal_value(data)
        # null is "none": no description, no key, no colour (the palette's, when new).
        return {field: "" if value is None else value for field, value in values.items()}


class NewLabelSerializer(LabelSerializer):
    """A label given with a new project (created by the project's view, through the same
    ``services.label_create``)."""

    class Meta(LabelSerializer.Meta):
        fields = ["name", "description", "color", "shortcut", "kind"]


TRAIN_EVERY_MAX = 1_000_000


def _fraction(value: float) -> float:
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise serializers.ValidationError("Give a number from 0 to 1, e.g. 0.1.")
    return value


class ProjectSerializer(serializers.ModelSerializer):
    """A project with its labels, the requesting user's role and a few counts.

    ``role`` and the counts come from annotations made by the view's queryset, so a list
    of projects costs the same number of queries as one. A new project may come with its
    ``labels`` (projects are not changed here; labels have their own endpoint).
    """

    labels = LabelSerializer(many=True, read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "guidelines",
            "allow_overlap",
            "annotators_per_document",
            "propagate",
            "train_every",
            "order",
            "random_fraction",
            "document_labels",
            "created_at",
            "role",
            "labels",
            "counts",
        ]
        extra_kwargs = {
            "annotators_per_document": {"max_value": 1000},
            "train_every": {"max_value": TRAIN_EVERY_MAX},
            "random_fraction": {"min_value": 0.0, "max_value": 1.0},
        }

    def validate_random_fraction(self, value: float) -> float:
        return _fraction(value)

    def to_internal_value(self, data):
        labels = data.get("labels") if isinstance(data, dict) else None
        validated = super().to_internal_value(data)
        if labels is None:
            return validated
        items = NewLabelSerializer(data=labels, many=True)
        if not items.is_valid():
            raise serializers.ValidationError({"labels": items.errors})
        validated["labels"] = items.validated_data
        return validated

    def get_counts(self, project: Project) -> dict[str, int]:
        return {
            "documents": getattr(project, "document_count", 0),
            "members": getattr(project, "member_count", 0),
            "complete": getattr(project, "my_complete_count", 0),
        }


class ProjectSettingsSerializer(serializers.ModelSerializer):
    """What ``PATCH /api/projects/{pid}/`` changes: the settings Margin has; any other
    field is refused by name, so that a setting it does not know is never silently
    ignored."""

    propagate = serializers.ChoiceField(
        choices=Propagate.values,
        error_messages={
            "invalid_choice": "Unknown value {input!r}: use one of "
            + ", ".join(Propagate.values)
            + ".",
        },
    )

    order = serializers.ChoiceField(
        choices=QueueOrder.values,
        error_messages={
            "invalid_choice": "Unknown value {input!r}: use one of "
            + ", ".join(QueueOrder.values)
            + ".",
        },
    )
    document_labels = serializers.ChoiceField(
        choices=DocumentLabels.values,
        error_messages={"invalid_choice": "Unknown value {input!r}: use single or multi."},
    )

    class Meta:
        model = Project
        # The settings ``services.project_update`` changes: one list, asked by both.
        fields = services.PROJECT_FIELDS
        extra_kwargs = {
            "annotators_per_document": {"max_value": 1000},
            "train_every": {"max_value": TRAIN_EVERY_MAX},
            "random_fraction": {"min_value": 0.0, "max_value": 1.0},
        }

    def validate_random_fraction(self, value: float) -> float:
        return _fraction(value)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected an object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a setting of this project."] for name in unknown}
            )
        return super().to_internal_value(data)


class MemberSerializer(serializers.ModelSerializer):
    """``{"username", "role"}``; the user must already exist (members are added, not made)."""

    username = serializers.SlugRelatedField(
        source="user",
        slug_field="username",
        # Any account may be added to a project, so the lookup is over every user.
        queryset=get_user_model().objects.all(),
        error_messages={"does_not_exist": "There is no user called {value!r}."},
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.ANNOTATOR)

    class Meta:
        model = Membership
        fields = ["username", "role"]


class DocumentSerializer(serializers.ModelSerializer):
    """A document in a list: ``length`` and ``status`` are annotations of the queryset."""

    length = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "title", "external_id", "length", "status"]


class DocumentDetailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "meta", "source", "created_at"]


class ImportedSpanSerializer(serializers.Serializer):
    """A pre-annotation in a document upload, as the schema shows it."""

    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)
    label = serializers.CharField(help_text="The label's name (or its id).")
    annotator = serializers.CharField(
        required=False, help_text="Managers: the member whose layer the span goes into."
    )
    gold = serializers.BooleanField(
        required=False, help_text="Reviewers and managers: true puts the span into gold."
    )


@extend_schema_field(ImportedSpanSerializer(many=True))
class ImportedSpansField(serializers.ListField):
    """Pre-annotations, each checked by the service against the text, the labels and the
    layers, and named by its number in the list when refused."""


class ImportedSuggestionSerializer(serializers.Serializer):
    """A suggestion in a document upload, as the schema shows it."""

    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)
    label = serializers.CharField(help_text="The label's name (or its id).")
    source = serializers.CharField(required=False, help_text="Where it comes from: `import`.")
    score = serializers.FloatField(required=False, allow_null=True)


@extend_schema_field(ImportedSuggestionSerializer(many=True))
class ImportedSuggestionsField(serializers.ListField):
    """Suggestions for everyone (the project's suggestion layer), each checked by the
    service as a span is, and named by its number in the list when refused."""


class ImportedCategorySerializer(serializers.Serializer):
    """A document label in a document upload (a plain string is ``{"label": name}``)."""

    label = serializers.CharField(help_text="The document label's name (or its id).")
    annotator = serializers.CharField(
        required=False, help_text="Managers: the member whose layer it goes into."
    )
    gold = serializers.BooleanField(required=False, help_text="Reviewers and managers: gold.")


@extend_schema_field(ImportedCategorySerializer(many=True))
class ImportedCategoriesField(serializers.ListField):
    """Document labels, checked by the service as the categories API checks them (kind,
    once a layer, ``single``), and named by number when refused."""


class ImportedRelationSerializer(serializers.Serializer):
    """A relation in a document upload between two of its spans, named by their ``id``."""

    type = serializers.CharField(help_text="The relation type's name (or its id).")
    source = serializers.CharField(help_text="The ``id`` the item gives its source span.")
    target = serializers.CharField(help_text="The ``id`` the item gives its target span.")
    annotator = serializers.CharField(
        required=False, help_text="As a native export writes it: its spans' annotator."
    )


@extend_schema_field(ImportedRelationSerializer(many=True))
class ImportedRelationsField(serializers.ListField):
    """Relations between the item's spans (both in one layer), checked by the relation
    rules, and named by number when refused."""


class ImportedCategorySuggestionSerializer(serializers.Serializer):
    """A suggested document label in a document upload (a name alone: ``{"label"}``)."""

    label = serializers.CharField(help_text="The document label's name (or its id).")
    source = serializers.CharField(required=False, help_text="Where it comes from: `import`.")
    score = serializers.FloatField(required=False, allow_null=True)


@extend_schema_field(ImportedCategorySuggestionSerializer(many=True))
class ImportedCategorySuggestionsField(serializers.ListField):
    """Suggested document labels, for everyone to accept or reject."""


class ImportedRelationSuggestionSerializer(serializers.Serializer):
    """A suggested relation between two of the item's ``suggestions``, by their ``id``."""

    type = serializers.CharField(help_text="The relation type's name (or its id).")
    # ``from`` is a keyword: the field is declared below under its JSON name.
    to = serializers.CharField(help_text="The ``id`` the item gives its target suggestion.")
    source = serializers.CharField(required=False, help_text="Where it comes from: `import`.")
    score = serializers.FloatField(required=False, allow_null=True)


ImportedRelationSuggestionSerializer._declared_fields["from"] = serializers.CharField(
    help_text="The ``id`` the item gives its source suggestion."
)


@extend_schema_field(ImportedRelationSuggestionSerializer(many=True))
class ImportedRelationSuggestionsField(serializers.ListField):
    """Suggested relations between the item's suggestions, for everyone to decide."""


class TextField(serializers.CharField):
    """A string as given: no whitespace trimmed, no number turned into text."""

    def __init__(self, *, max_length: int | None = None, **kwargs):
        messages = {
            "invalid": "Must be a string"
            + (f" of at most {max_length} characters." if max_length else ".")
        }
        messages["max_length"] = messages["invalid"]
        super().__init__(
            trim_whitespace=False,
            max_length=max_length,
            error_messages=messages | kwargs.pop("error_messages", {}),
            **kwargs,
        )
        self.validators = [
            NoSurrogates() if isinstance(check, ProhibitSurrogateCharactersValidator) else check
            for check in self.validators
        ]

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check, its message and code, by encoding the text as UTF-8 (which fails at
    the first surrogate, and only there) instead of a Python loop over every character:
    for the text of bench/validation.py's 20,000-span document (1.3 million characters),
    0.001 s instead of 0.12 s of the upload's second."""

    def __call__(self, value: object) -> None:
        text = str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            code_point = ord(text[error.start])
            raise serializers.ValidationError(
                self.message.format(code_point=code_point), code=self.code
            ) from None


class DocumentInputSerializer(serializers.Serializer):
    """One document of an upload: its own fields are checked here; what depends on stored
    rows (its external id, its spans against the text, the labels and the layers) is
    checked by ``services.documents_import``, which stores the upload all or nothing."""

    text = TextField(
        error_messages={
            "required": "Required: the document text as a string.",
            "null": "Required: the document text as a string.",
            "invalid": "Required: the document text as a string.",
            "blank": "Empty text is refused.",
        }
    )
    title = TextField(required=False, allow_blank=True, allow_null=True, max_length=500)
    external_id = TextField(required=False, allow_blank=True, allow_null=True, max_length=255)
    meta = serializers.DictField(
        required=False, allow_null=True, error_messages={"not_a_dict": "Must be an object."}
    )
    source = TextField(required=False, allow_blank=True, max_length=500)
    spans = ImportedSpansField(
        required=False,
        allow_null=True,
        error_messages={"not_a_list": "Must be a list of {{start, end, label}} objects."},
    )
    suggestions = ImportedSuggestionsField(
        required=False,
        allow_null=True,
        error_messages={
            "not_a_list": "Must be a list of {{start, end, label, source?, score?}} objects."
        },
    )

    categories = ImportedCategoriesField(
        required=False,
        allow_null=True,
        error_messages={"not_a_list": "Must be a list of document labels ({{label}} or names)."},
    )
    relations = ImportedRelationsField(
        required=False,
        allow_null=True,
        error_messages={"not_a_list": "Must be a list of {{type, source, target}} objects."},
    )

    suggested_categories = ImportedCategorySuggestionsField(
        required=False,
        allow_null=True,
        error_messages={"not_a_list": "Must be a list of {{label, source?, score?}} objects."},
    )
    suggested_relations = ImportedRelationSuggestionsField(
        required=False,
        allow_null=True,
        error_messages={
            "not_a_list": "Must be a list of {{type, from, to, source?, score?}} objects."
        },
    )

    def to_internal_value(self, data: object) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected an object with a 'text'."]}
            )
        unknown = {name: ["Unknown field."] for name in sorted(set(data) - set(self.fields))}
        try:
            validated = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(error.detail | unknown) from None
        if unknown:
            raise serializers.ValidationError(unknown)
        # None and "" read as absent, as the contract's optional fields are.
        for name, empty in [
            ("title", ""),
            ("meta", {}),
            ("spans", []),
            ("suggestions", []),
            ("categories", []),
            ("relations", []),
            ("suggested_categories", []),
            ("suggested_relations", []),
            ("source", ""),
        ]:
            if validated.get(name) is None:
                validated[name] = empty
        if not validated.get("external_id"):
            validated["external_id"] = None
        return validated


def upload_checked(items: list) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]:
    """An upload's documents with their own fields checked: the validated documents, and
    the problems by index (``{"<index>": {field: [messages]}}``), empty when there are
    none. The API, the admin's upload and the import command all check them here."""
    checked, errors = [], {}
    for index, item in enumerate(items):
        serializer = DocumentInputSerializer(data=item)
        if serializer.is_valid():
            checked.append(serializer.validated_data)
        else:
            errors[str(index)] = {
                field: [str(message) for message in messages]
                for field, messages in serializer.errors.items()
            }
    return checked, errors


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class LabelField(serializers.RelatedField):
    """A label of ``context["project"]``, given by name or id, shown by name."""

    default_error_messages = {
        "unknown": "Unknown label {value!r}: this project's labels are {names}.",
        "type": "Give the label's name (a string) or its id (a whole number).",
    }

    def get_queryset(self):
        return self.context["project"].labels.all()

    def _labels(self) -> dict[Any, Label]:
        # One query however many spans a list holds: the whole (small) label set.
        cache = self.context.setdefault("labels", {})
        if not cache:
            for label in services.labels_of(self.context["project"]):
                cache[label.name] = cache[label.pk] = label
        return cache

    def to_internal_value(self, data: object) -> Label:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("type")
        label = self._labels().get(data)
        if label is None:
            names = ", ".join(sorted(k for k in self._labels() if isinstance(k, str)))
            self.fail("unknown", value=data, names=names or "none")
        return label

    def to_representation(self, label: Label) -> str:
        return label.name


_OFFSET_MAX = 2**31 - 1  # what the database's integer columns hold


class SpanListSerializer(serializers.ListSerializer):
    """Spans in a list, read from ``values_list(*columns)`` rows when the view gives rows.

    Building three model instances (span, label, user) and running every field for each
    of a document's 500 spans costs some 20 ms; reading rows costs about one. The shape is
    ``SpanSerializer``'s (a test holds them equal); lists of ``Span`` instances, such as
    the answer to a bulk create, take DRF's usual path.
    """

    columns = ("id", "document_id", "start", "end", "label__name", "annotator__username")
    columns += ("gold", "source", "created_at")

    def to_internal_value(self, data) -> list[dict[str, Any]]:
        plain = self._plain(data)
        return plain if plain is not None else super().to_internal_value(data)

    def _plain(self, data: object) -> list[dict[str, Any]] | None:
        """The validated items of a list in which every item is plain — exactly ``start``
        and ``end`` as whole numbers in range, and ``label`` a name or id of the project —
        as DRF's path would give them; None for any other list, which takes DRF's path
        (and its messages).

        DRF runs every field of the serializer, with its validators, for each item: for
        bench/validation.py's list of 10,000 spans, 0.15 s of the post (the machine loaded)
        where this takes 0.01 s.
        """
        if not isinstance(data, list) or not data:
            return None
        if self.max_length is not None or self.min_length is not None:
            return None
        labels = self.child.fields["label"]._labels()
        fields = {"start", "end", "label"}
        items = []
        for item in data:
            if type(item) is not dict or item.keys() != fields:
                return None
            start, end, label = item["start"], item["end"], item["label"]
            if type(start) is not int or type(end) is not int or type(label) not in (int, str):
                return None
            label = labels.get(label)
            if label is None or not (0 <= start <= _OFFSET_MAX and 0 <= end <= _OFFSET_MAX):
                return None
            items.append({"start": start, "end": end, "label": label})
        return items

    def to_representation(self, data) -> list[dict[str, Any]]:
        rows = list(data)
        if not rows or not isinstance(rows[0], tuple):
            return super().to_representation(rows)
        text = self.context["document"].text
        when = _iso_datetimes(self.child.fields["created_at"])
        return [
            {
                "id": pk,
                "document": document,
                "start": start,
                "end": end,
                "label": label,
                "text": text[start:end],
                "annotator": annotator,
                "layer": "gold" if gold else "annotator",
                "origin": origin or None,
                "created_at": when(created_at),
            }
            for pk, document, start, end, label, annotator, gold, origin, created_at in rows
        ]


def _iso_datetimes(field: serializers.DateTimeField):
    """DRF's ISO 8601 rendering of ``field`` with the time zone looked up once, not per row."""
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return field.to_representation
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()

    def render(value) -> str:
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


class SpanSerializer(serializers.ModelSerializer):
    """A span as the API shows it; on writes only ``start``, ``end`` and ``label``.

    ``text`` is cut from the document in ``context["document"]`` when the view gives it
    (a document's span list), so listing spans does not load the text once per span.
    """

    label = LabelField()
    annotator = serializers.CharField(source="annotator.username", read_only=True)
    layer = serializers.ChoiceField(choices=["annotator", "gold"], read_only=True)
    text = serializers.SerializerMethodField()
    origin = serializers.SerializerMethodField(
        help_text="The source of the suggestion the span was accepted from; null for a span "
        "made by hand (or uploaded into a layer)."
    )

    class Meta:
        model = Span
        fields = ["id", "document", "start", "end", "label", "text", "annotator", "layer"]
        fields += ["origin", "created_at"]
        read_only_fields = ["id", "document", "created_at"]
        extra_kwargs = {"start": {"max_value": _OFFSET_MAX}, "end": {"max_value": _OFFSET_MAX}}
        list_serializer_class = SpanListSerializer

    def get_origin(self, span: Span) -> str | None:
        return span.source or None

    def get_text(self, span: Span) -> str:
        document = self.context.get("document") or span.document
        return document.text[span.start : span.end]
