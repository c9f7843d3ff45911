from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from service.notifications.models import Channel, DeliveryStatus
from service.reminders.models import DeadlineKind, DeadlineStatus, ReminderStatus, default_reminder_offsets
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalendarFeed',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='calendar_feed', on_delete=OnDelete.RESTRICT)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'calendar_feed', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Deadline',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.RESTRICT)),
                ('engagement', fields.ForeignKeyField('models.Engagement', source_field='engagement_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='review_due: review_due\nisms_expiry: isms_expiry\nismap_expiry: ismap_expiry', enum_type=DeadlineKind, max_length=20)),
                ('due_date', fields.DateField()),
                ('status', fields.CharEnumField(default=DeadlineStatus.active, description='active: active\nmet: met\nsuperseded: superseded', enum_type=DeadlineStatus, max_length=12)),
                ('review_id', fields.CharField(default='', max_length=64)),
                ('source', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'deadline', 'app': 'models', 'unique_together': (('engagement', 'kind', 'due_date'),), 'indexes': [Index(fields=['organization_id', 'status', 'due_date'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reminder',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.RESTRICT)),
                ('deadline', fields.ForeignKeyField('models.Deadline', source_field='deadline_id', db_constraint=True, to_field='id', related_name='reminders', on_delete=OnDelete.RESTRICT)),
                ('offset_days', fields.IntField()),
                ('send_on', fields.DateField()),
                ('status', fields.CharEnumField(default=ReminderStatus.pending, description='pending: pending\nsent: sent\ncancelled: cancelled', enum_type=ReminderStatus, max_length=12)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reminder', 'app': 'models', 'unique_together': (('deadline', 'offset_days'),), 'indexes': [Index(fields=['status', 'send_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewCadence',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='review_cadence', on_delete=OnDelete.RESTRICT)),
                ('sensitive_interval_months', fields.IntField(default=6)),
                ('alignment', fields.CharField(default='none', max_length=20)),
                ('reminder_offsets', fields.JSONField(default=default_reminder_offsets, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('escalation_days', fields.IntField(default=7)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'review_cadence', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.RESTRICT)),
                ('url', fields.CharField(max_length=2000)),
                ('description', fields.CharField(default='', max_length=200)),
                ('events', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('secret', fields.CharField(max_length=100)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', db_constraint=True, to_field='id', related_name='webhook_endpoints_created', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_endpoint', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.RESTRICT)),
                ('channel', fields.CharEnumField(description='email: email\nwebhook: webhook', enum_type=Channel, max_length=10)),
                ('dedupe_key', fields.CharField(unique=True, max_length=200)),
                ('event_id', fields.UUIDField()),
                ('event_type', fields.CharField(max_length=64)),
                ('to_address', fields.CharField(default='', max_length=254)),
                ('subject', fields.CharField(default='', max_length=300)),
                ('body', fields.TextField(default='', unique=False)),
                ('secret_link', fields.CharField(default='', max_length=500)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', null=True, db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=DeliveryStatus.pending, description='pending: pending\nsending: sending\nsent: sent\nfailed: failed\nskipped: skipped', enum_type=DeliveryStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claim_token', fields.CharField(default='', max_length=32)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('attempt_log', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notification', 'app': 'models', 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['endpoint_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
