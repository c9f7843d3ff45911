from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_reevaluation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='audit_chain_head', on_delete=OnDelete.RESTRICT)),
                ('seq', fields.IntField(default=0)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_chain_head', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditSettings',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='audit_settings', on_delete=OnDelete.RESTRICT)),
                ('checkpoint_email', fields.CharField(default='', max_length=254)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'audit_settings', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='key_id',
            field=fields.CharField(default='', max_length=16),
        ),
    ]
