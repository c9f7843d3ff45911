from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.ismap.listing import ListKind
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IsmapSnapshot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('source', fields.CharField(max_length=2000)),
                ('sha256', fields.CharField(unique=True, max_length=64)),
                ('size_bytes', fields.IntField()),
                ('imported_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('imported_by', fields.CharField(max_length=200)),
                ('published_on', fields.DateField(null=True)),
                ('row_count', fields.IntField()),
                ('layouts', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('problems', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('previous_snapshot_id', fields.UUIDField(null=True)),
                ('changes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expiring_within_days', fields.IntField()),
            ],
            options={'table': 'ismap_snapshot', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IsmapEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('snapshot', fields.ForeignKeyField('models.IsmapSnapshot', source_field='snapshot_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('registration_number', fields.CharField(max_length=32)),
                ('stem', fields.CharField(db_index=True, max_length=32)),
                ('suffix', fields.IntField(null=True)),
                ('service_name', fields.TextField(unique=False)),
                ('provider_name', fields.TextField(unique=False)),
                ('provider_key', fields.TextField(unique=False)),
                ('registered_on', fields.DateField(null=True)),
                ('expires_on', fields.DateField(null=True)),
                ('audit_period_start', fields.DateField(null=True)),
                ('audit_period_end', fields.DateField(null=True)),
                ('expiry_derived', fields.BooleanField(default=False)),
                ('scope', fields.TextField(default='', unique=False)),
                ('list_kind', fields.CharEnumField(description='ismap: ISMAP\nismap_liu: ISMAP-LIU', enum_type=ListKind, max_length=16)),
                ('sheet', fields.CharField(max_length=100)),
                ('row', fields.IntField()),
            ],
            options={'table': 'ismap_entry', 'app': 'models', 'unique_together': (('snapshot', 'registration_number'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
