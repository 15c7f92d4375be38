"""Customer type, company size, credit rating and city.

Added with plain ALTER TABLE … ADD COLUMN … DEFAULT '' (SQLite and PostgreSQL alike): Django's SQLite editor
would rebuild the whole customers table once per NOT NULL column — minutes at a million customers, and a rebuild
drops the search index's triggers."""

import crm.system.dictionaries
from django.db import migrations, models

COLUMNS = [  # (field name, SQL type, field)
    ("customer_type", "varchar(50)", models.CharField(
        blank=True, max_length=50, verbose_name="customer type",
        validators=[crm.system.dictionaries.DictionaryCodeValidator("customer_type")])),
    ("scale", "varchar(50)", models.CharField(
        blank=True, max_length=50, verbose_name="company size",
        validators=[crm.system.dictionaries.DictionaryCodeValidator("company_scale")])),
    ("credit_rating", "varchar(50)", models.CharField(
        blank=True, max_length=50, verbose_name="credit rating",
        validators=[crm.system.dictionaries.DictionaryCodeValidator("credit_rating")])),
    ("city", "varchar(50)", models.CharField(blank=True, max_length=50, verbose_name="city")),
]


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_lean_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE customers_customer ADD COLUMN {name} {sql_type} NOT NULL DEFAULT ''",
                    f"ALTER TABLE customers_customer DROP COLUMN {name}",
                )
                for name, sql_type, _field in COLUMNS
            ],
            state_operations=[
                migrations.AddField(model_name="customer", name=name, field=field, preserve_default=True)
                for name, _sql_type, field in COLUMNS
            ],
        ),
    ]
