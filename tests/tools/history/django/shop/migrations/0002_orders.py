from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunSQL("CREATE TABLE shop_orders (id int PRIMARY KEY)",
                                    "DROP TABLE shop_orders")]
