"""客户编号: a number for every customer. Existing customers are numbered in the default format by one set-based
UPDATE (a window over their creation year, oldest first: KH2024-000001 …), fast at a million rows; the number
sequence then goes on from the current year's last number."""

import datetime as dt
import zoneinfo

import django.core.validators
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# The format customers registers (crm/customers/apps.py), frozen here as it was when this migration was written.
PREFIX, SEPARATOR, PADDING = "KH", "-", 6

_SEARCH_TEXT = (
    "CASE WHEN {table}.search_text = '' THEN lower(n.number) ELSE {table}.search_text || ' ' || lower(n.number) END"
)

SQLITE = f"""
UPDATE customers_customer SET number = n.number, search_text = {_SEARCH_TEXT.format(table="customers_customer")}
FROM (
    SELECT id, '{PREFIX}' || y || '{SEPARATOR}'
        || printf('%%0{PADDING}d', ROW_NUMBER() OVER (PARTITION BY y ORDER BY created_at, id)) AS number
    FROM (SELECT id, created_at, strftime('%%Y', created_at, %s) AS y FROM customers_customer WHERE number IS NULL)
) AS n
WHERE customers_customer.id = n.id
"""

POSTGRESQL = f"""
UPDATE customers_customer AS c SET number = n.number, search_text = {_SEARCH_TEXT.format(table="c")}
FROM (
    SELECT id, '{PREFIX}' || y || '{SEPARATOR}'
        || CASE WHEN length(rn::text) >= {PADDING} THEN rn::text ELSE lpad(rn::text, {PADDING}, '0') END AS number
    FROM (
        SELECT id, y, ROW_NUMBER() OVER (PARTITION BY y ORDER BY created_at, id) AS rn
        FROM (SELECT id, created_at, to_char(created_at AT TIME ZONE %s, 'YYYY') AS y
              FROM customers_customer WHERE number IS NULL) AS a
    ) AS b
) AS n
WHERE c.id = n.id
"""


def number_existing_customers(apps, schema_editor):
    connection = schema_editor.connection
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(zone)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # SQLite knows no time zones; a year starts on 1 January, so that day's offset is the one that counts.
            offset = dt.datetime(now.year, 1, 1, tzinfo=zone).utcoffset()
            cursor.execute(SQLITE, [f"{int(offset.total_seconds() // 60):+d} minutes"])
        else:
            cursor.execute(POSTGRESQL, [settings.TIME_ZONE])
    Customer = apps.get_model("customers", "Customer")
    NumberSequence = apps.get_model("system", "NumberSequence")
    this_year = Customer.objects.filter(number__startswith=f"{PREFIX}{now.year:04d}{SEPARATOR}").count()
    sequence, created = NumberSequence.objects.get_or_create(
        code="customers.customer",
        defaults={"prefix": PREFIX, "date_part": "year", "separator": SEPARATOR, "padding": PADDING,
                  "reset": "yearly", "period": f"{now.year:04d}{now.month:02d}", "counter": this_year},
    )
    if not created and sequence.period[:4] == f"{now.year:04d}" and sequence.counter < this_year:
        sequence.counter = this_year
        sequence.save(update_fields=["counter"])


def forget_numbers(apps, schema_editor):
    # The column goes with the reversed AddField; the numbers leave the search text first.
    schema_editor.execute(
        "UPDATE customers_customer SET search_text = CASE WHEN search_text = lower(number) THEN '' "
        "ELSE replace(search_text, ' ' || lower(number), '') END WHERE number IS NOT NULL",
        params=None,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('customers', '0010_classification_fields'),
        ('system', '0002_number_sequences'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='number',
            field=models.CharField(blank=True, editable=False, max_length=40, null=True, validators=[django.core.validators.RegexValidator('^[\\w\\-/.]+$', 'A customer number uses letters, digits, - _ / or .')], verbose_name='customer number'),
        ),
        migrations.RunPython(number_existing_customers, forget_numbers),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(condition=models.Q(('number__isnull', False)), fields=('number',), name='customer_number_unique', violation_error_message='Another customer already has this number.'),
        ),
    ]
