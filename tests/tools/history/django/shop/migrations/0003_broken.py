from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_orders")]
    operations = [migrations.RunSQL("SELECT no_such_function()", migrations.RunSQL.noop)]
