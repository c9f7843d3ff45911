from tortoise import migrations
from tortoise.migrations import operations as ops
from service.engagements.models import SupplierType
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Engagement',
            name='supplier_type',
            field=fields.CharEnumField(default=SupplierType.contractor, description='contractor: contractor\ndesignated_manager: designated_manager\nhousing_agent: housing_agent', enum_type=SupplierType, max_length=20),
        ),
    ]
