from datetime import UTC, datetime
from json import dumps, loads
from typing import Any
from uuid import UUID, uuid4
import functools

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


async def copy_contract_settings(apps: Any, schema_editor: Any) -> None:
    """Each organization's contract settings move from its own row to the contracts domain's."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict("SELECT id, contract_settings FROM organization")
    insert = (
        "INSERT INTO contract_settings (id, organization_id, settings, updated_at) "
        + ("VALUES ($1, $2, $3, $4)" if postgres else "VALUES (?, ?, ?, ?)")
    )
    now = datetime.now(UTC)
    for row in rows:
        settings = row["contract_settings"]
        if isinstance(settings, str | bytes):
            settings = loads(settings)
        if not settings:
            continue
        values = dumps(settings, separators=(",", ":"), ensure_ascii=False)
        if postgres:
            await client.execute_query(insert, [uuid4(), UUID(str(row["id"])), values, now])
        else:
            await client.execute_query(
                insert, [str(uuid4()), str(row["id"]), values, now.isoformat()]
            )


class Migration(migrations.Migration):
    dependencies = [('models', '0009_console_signin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContractSettingsRow',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='contract_settings_row', on_delete=OnDelete.RESTRICT)),
                ('settings', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'contract_settings', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(copy_contract_settings),
    ]
