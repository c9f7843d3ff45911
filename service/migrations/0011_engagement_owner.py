from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """所管課 and 担当者 on each engagement; existing ones keep their submitter as the person in
    charge when the submitter is a person."""

    dependencies = [("models", "0010_settings")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Engagement",
            name="department",
            field=fields.CharField(default="", db_default="", max_length=100),
        ),
        ops.AddField(
            model_name="Engagement",
            name="contact_user",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="contact_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="engagements_in_charge",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunSQL(
            "UPDATE engagement SET contact_user_id = created_by_id WHERE created_by_id IN "
            "(SELECT id FROM app_user WHERE kind = 'person')"
        ),
    ]
