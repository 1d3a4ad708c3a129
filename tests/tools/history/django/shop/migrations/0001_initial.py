from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunSQL("CREATE TABLE shop_users (id int PRIMARY KEY)",
                                    "DROP TABLE shop_users")]
