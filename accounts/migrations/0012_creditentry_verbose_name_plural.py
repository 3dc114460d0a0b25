from django.db import migrations


class Migration(migrations.Migration):
    """The admin says "Credit entries", not "Credit entrys"."""

    dependencies = [
        ("accounts", "0011_review_withdrawn_and_context_events"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="creditentry",
            options={"ordering": ["id"], "verbose_name_plural": "credit entries"},
        ),
    ]
