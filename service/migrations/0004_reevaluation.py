from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.checks.models import EvaluationTrigger
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_ops')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Evaluation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.RESTRICT)),
                ('review', fields.ForeignKeyField('models.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.RESTRICT)),
                ('trigger', fields.CharEnumField(description='Trigger', enum_type=EvaluationTrigger, max_length=20)),
                ('run_id', fields.UUIDField(null=True, db_index=True)),
                ('profile_id', fields.CharField(max_length=100)),
                ('profile_version', fields.IntField()),
                ('previous_profile_version', fields.IntField(null=True)),
                ('review_status', fields.CharField(max_length=32)),
                ('applied', fields.BooleanField(default=True)),
                ('counts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('changes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('findings', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('ismap_snapshot_id', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'evaluation', 'app': 'models', 'indexes': [Index(fields=['review_id', 'profile_id', 'profile_version'])], 'pk_attr': 'id', 'table_description': 'One evaluation of a review: under which profile version, why, and what changed.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Verdict',
            name='fingerprint',
            field=fields.CharField(default='', max_length=32),
        ),
    ]
