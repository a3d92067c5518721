from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def fill(apps, schema_editor):
    """Each stored disputed span's label, annotator and offsets, copied from the span (a row
    whose span is gone, which the join used to hide, is dropped)."""
    DisputedSpan = apps.get_model("annotator", "DisputedSpan")
    Span = apps.get_model("annotator", "Span")
    span = Span.objects.filter(pk=OuterRef("span_id"))
    DisputedSpan.objects.exclude(Exists(span)).delete()
    DisputedSpan.objects.update(
        **{name: Subquery(span.values(name)[:1]) for name in ["label_id", "start", "end"]},
        annotator_id=Subquery(span.values("annotator_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotator", "0017_document_disputes_span_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="disputedspan",
            name="label_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="disputedspan",
            name="annotator_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="disputedspan",
            name="start",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="disputedspan",
            name="end",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="disputedspan", name="disputed_span_document"),
        migrations.AddIndex(
            model_name="disputedspan",
            index=models.Index(
                fields=["project", "document", "start", "end", "span_id"],
                name="disputed_span_document",
            ),
        ),
        migrations.AddIndex(
            model_name="disputedspan",
            index=models.Index(
                fields=["project", "label_id", "document", "start", "end", "span_id"],
                name="disputed_span_label",
            ),
        ),
        migrations.AddIndex(
            model_name="span",
            index=models.Index(
                fields=["project", "label", "document", "start", "end", "id"],
                name="span_label_reading_order",
            ),
        ),
    ]
