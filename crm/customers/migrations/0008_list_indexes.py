"""The customer list's default order (-updated_at, -id) as an index.

With it, the first page of a list (and an export) walks the index and stops, instead of sorting every customer
in scope: 2 s → 0.2 ms for an administrator's first page over a million customers on SQLite. Building it takes
about 3 s per million customers.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_search_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["-updated_at", "-id"], name="customer_updated_idx"),
        ),
    ]
