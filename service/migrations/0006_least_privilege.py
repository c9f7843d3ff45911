from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_audit_chain')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Organization',
            name='max_token_lifetime_days',
            field=fields.IntField(default=365),
        ),
        ops.AddField(
            model_name='Organization',
            name='separation_of_duties',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='User',
            name='kind',
            field=fields.CharField(default='person', max_length=16),
        ),
        ops.AddField(
            model_name='ApiToken',
            name='kind',
            field=fields.CharField(default='personal', max_length=16),
        ),
    ]
