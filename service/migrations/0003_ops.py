from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_social')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='review_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['organization_id', 'channel', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['review_id', 'created_at']),
        ),
        ops.AlterField(
            model_name='WebhookEndpoint',
            name='secret',
            field=fields.CharField(max_length=500),
        ),
    ]
