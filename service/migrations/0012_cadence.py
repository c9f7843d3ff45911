from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def copy_review_interval(apps: Any, schema_editor: Any) -> None:
    """Each organization's standard re-review interval moves from its own row to the
    reminders domain's cadence row (created only where the value differs from the default)."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def sql(text: str) -> str:
        if not postgres:
            return text
        for n in range(1, text.count("?") + 1):
            text = text.replace("?", f"${n}", 1)
        return text

    organizations = await client.execute_query_dict(
        "SELECT id, review_interval_months FROM organization"
    )
    cadences = {
        str(row["organization_id"])
        for row in await client.execute_query_dict("SELECT organization_id FROM review_cadence")
    }
    now = datetime.now(UTC)
    for row in organizations:
        organization_id, months = str(row["id"]), int(row["review_interval_months"])
        key: Any = UUID(organization_id) if postgres else organization_id
        if organization_id in cadences:
            await client.execute_query(
                sql(
                    "UPDATE review_cadence SET standard_interval_months = ? WHERE organization_id = ?"
                ),
                [months, key],
            )
        elif months != 12:
            await client.execute_query(
                sql(
                    "INSERT INTO review_cadence (id, organization_id, standard_interval_months, "
                    "sensitive_interval_months, alignment, reminder_offsets, escalation_days, "
                    "updated_at) VALUES (?, ?, ?, 6, 'none', '[60,30,7,0]', 7, ?)"
                ),
                [uuid4() if postgres else str(uuid4()), key, months, now],
            )


class DropColumn(ops.RemoveField):
    """Tortoise removes a column on SQLite by rebuilding the table, which the foreign keys
    pointing at organization refuse; SQLite (3.35 and later) and PostgreSQL both drop a plain
    column in place."""

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if state_editor is None:
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        table = model._meta.db_table
        await state_editor.client.execute_script(f"ALTER TABLE {table} DROP COLUMN {self.name}")


class Migration(migrations.Migration):
    dependencies = [("models", "0011_engagement_owner")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ReviewCadence",
            name="standard_interval_months",
            field=fields.IntField(default=12, db_default=12),
        ),
        ops.RunPython(copy_review_interval),
        DropColumn(model_name="Organization", name="review_interval_months"),
        # Unused since 0010_settings copied it to the contracts domain's own row.
        DropColumn(model_name="Organization", name="contract_settings"),
    ]
