from django.db import migrations


class Migration(migrations.Migration):
    """The admin says "Webhook deliveries", not "Webhook deliverys"."""

    dependencies = [
        ("generations", "0012_held_slots_and_review_context"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="webhookdelivery",
            options={"ordering": ["-created_at", "-id"], "verbose_name_plural": "webhook deliveries"},
        ),
    ]
