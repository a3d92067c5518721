from django.db import migrations, models


class Migration(migrations.Migration):
    """A restoration was the only change that reversed another; undo reverses any change,
    so the link is now ``reverts``."""

    dependencies = [("annotator", "0003_span_events")]

    operations = [
        migrations.RenameField("spanevent", "restores", "reverts"),
        migrations.AlterField(
            model_name="spanevent",
            name="reverts",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="reverted_by",
                to="annotator.spanevent",
            ),
        ),
    ]
