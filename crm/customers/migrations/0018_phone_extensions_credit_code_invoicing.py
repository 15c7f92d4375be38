"""Phone extensions kept apart from the number (customers and contacts), and a company's unified social credit
code with its invoicing details (开票信息).

Added with plain ALTER TABLE … ADD COLUMN … DEFAULT '' (SQLite and PostgreSQL alike): Django's SQLite editor
would rebuild the whole customers table once per NOT NULL column — minutes at a million customers, and a rebuild
drops the search index's triggers. The phone, mobile, ID number and the new numbers get validators that check
them (state only: no change to the tables)."""

import crm.core.contact_points
import crm.core.crypto
import crm.core.identity_numbers
from django.db import migrations, models

PHONE = crm.core.contact_points.PhoneValidator
NUMBER = crm.core.identity_numbers.NumberValidator

CUSTOMER_COLUMNS = [  # (field name, SQL type, field)
    ("phone_extension", "varchar(10)", models.CharField(blank=True, default="", max_length=10,
                                                        verbose_name="extension")),
    ("credit_code", "varchar(30)", models.CharField(blank=True, default="", max_length=30,
                                                    validators=[NUMBER("credit_code")],
                                                    verbose_name="unified social credit code")),
    ("tax_number", "varchar(30)", models.CharField(blank=True, default="", max_length=30,
                                                   validators=[NUMBER("tax_number")], verbose_name="taxpayer ID")),
    ("invoice_address", "varchar(200)", models.CharField(blank=True, default="", max_length=200,
                                                         verbose_name="registered address")),
    ("invoice_phone", "varchar(40)", models.CharField(blank=True, default="", max_length=40, validators=[PHONE()],
                                                      verbose_name="registered phone")),
    ("bank_name", "varchar(100)", models.CharField(blank=True, default="", max_length=100, verbose_name="bank")),
    ("bank_account", "varchar(40)", models.CharField(blank=True, default="", max_length=40,
                                                     validators=[NUMBER("bank_account")], verbose_name="bank account")),
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
        ("customers", "0017_customer_idle_since"),
    ]

    operations = [
        _add("customers_customer", "customer", CUSTOMER_COLUMNS),
        _add("customers_contact", "contact", CONTACT_COLUMNS),
        migrations.AlterField(
            model_name="customer",
            name="phone",
            field=models.CharField(blank=True, max_length=40, validators=[PHONE()], verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="contact",
            name="mobile",
            field=crm.core.crypto.EncryptedCharField(blank=True, validators=[PHONE()], verbose_name="mobile"),
        ),
        migrations.AlterField(
            model_name="contact",
            name="id_number",
            field=crm.core.crypto.EncryptedCharField(blank=True, validators=[NUMBER("resident_id")],
                                                     verbose_name="ID number"),
        ),
    ]
