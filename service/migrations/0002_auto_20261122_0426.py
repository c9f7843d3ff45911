from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Clarification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='clarifications', on_delete=OnDelete.RESTRICT)),
                ('review', fields.ForeignKeyField('models.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='clarifications', on_delete=OnDelete.RESTRICT)),
                ('question_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('message', fields.TextField(unique=False)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', db_constraint=True, to_field='id', related_name='clarifications_requested', on_delete=OnDelete.RESTRICT)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'clarification', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The reviewer asks the vendor to look again at some answers, answered by a new submission.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Evidence',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.RESTRICT)),
                ('review', fields.ForeignKeyField('models.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='evidence', on_delete=OnDelete.RESTRICT)),
                ('question_id', fields.CharField(max_length=64)),
                ('sha256', fields.CharField(max_length=64)),
                ('size', fields.BigIntField()),
                ('media_type', fields.CharField(max_length=100)),
                ('original_name', fields.CharField(max_length=255)),
                ('stored_name', fields.CharField(max_length=32)),
                ('copied_from', fields.ForeignKeyField('models.Evidence', source_field='copied_from_id', null=True, db_constraint=True, to_field='id', related_name='copies', on_delete=OnDelete.RESTRICT)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'evidence', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PortalSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='portal_sessions', on_delete=OnDelete.RESTRICT)),
                ('invitation', fields.ForeignKeyField('models.Invitation', source_field='invitation_id', db_constraint=True, to_field='id', related_name='portal_sessions', on_delete=OnDelete.RESTRICT)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('csrf_token', fields.CharField(max_length=64)),
                ('language', fields.CharField(default='ja', max_length=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'portal_session', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Submission',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('review', fields.ForeignKeyField('models.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('number', fields.IntField()),
                ('receipt_number', fields.CharField(unique=True, max_length=40)),
                ('form_id', fields.CharField(max_length=100)),
                ('form_version', fields.IntField()),
                ('answers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('clarification', fields.ForeignKeyField('models.Clarification', source_field='clarification_id', null=True, db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.RESTRICT)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'submission', 'app': 'models', 'unique_together': (('review', 'number'),), 'pk_attr': 'id', 'table_description': 'One submission of the answers, locked as given (the first, and one per clarification).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AnswerSet',
            name='prefilled_from_round',
            field=fields.IntField(null=True),
        ),
    ]
