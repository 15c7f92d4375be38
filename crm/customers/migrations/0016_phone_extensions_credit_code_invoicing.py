"""Phone extensions kept apart from the number (customers and contacts), and a company's unified social credit
code with its invoicing details (开票信息).

Added with plain ALTER TABLE … ADD COLUMN … DEFAULT '' (SQLite and PostgreSQL alike): Django's SQLite editor
would rebuild the whole customers table once per NOT NULL column — minutes at a million customers, and a rebuild
drops the search index's triggers."""

from django.db import migrations, models

CUSTOMER_COLUMNS = [  # (field name, SQL type, field)
    ("phone_extension", "varchar(10)", models.CharField(blank=True, default="", max_length=10,
                                                        verbose_name="extension")),
    ("credit_code", "varchar(18)", models.CharField(blank=True, default="", max_length=18,
                                                    verbose_name="unified social credit code")),
    ("tax_number", "varchar(20)", models.CharField(blank=True, default="", max_length=20,
                                                   verbose_name="taxpayer ID")),
    ("invoice_address", "varchar(200)", models.CharField(blank=True, default="", max_length=200,
                                                         verbose_name="registered address")),
    ("invoice_phone", "varchar(40)", models.CharField(blank=True, default="", max_length=40,
                                                      verbose_name="registered phone")),
    ("bank_name", "varchar(100)", models.CharField(blank=True, default="", max_length=100, verbose_name="bank")),
    ("bank_account", "varchar(40)", models.CharField(blank=True, default="", max_length=40,
                                                     verbose_name="bank account")),
]
CONTACT_COLUMNS = [
    ("phone_extension", "varchar(10)", models.CharField(blank=True, default="", max_length=10,
                                                        verbose_name="extension")),
]


def _add(table, model_name, columns):
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                f"ALTER TABLE {table} ADD COLUMN {name} {sql_type} NOT NULL DEFAULT ''",
                f"ALTER TABLE {table} DROP COLUMN {name}",
            )
            for name, sql_type, _field in columns
        ],
        state_operations=[
            migrations.AddField(model_name=model_name, name=name, field=field, preserve_default=True)
            for name, _sql_type, field in columns
        ],
    )


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0015_customer_idle_since"),
    ]

    operations = [
        _add("customers_customer", "customer", CUSTOMER_COLUMNS),
        _add("customers_contact", "contact", CONTACT_COLUMNS),
    ]
