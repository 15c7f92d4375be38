"""A customer's phone and e-mail leave ``search_text`` for columns of their own in the search index, so a role
denied them cannot find a customer by them (crm/core/fulltext.py). The index is dropped, ``search_text``
recomputed without them (about 15 s per million customers) and the index created again over the three columns,
filled in one statement."""

from django.db import migrations

from crm.core.fulltext import CreateSearchIndex, DropSearchIndex
from crm.core.pinyin import search_text

BATCH = 2000


def _recompute(apps, schema_editor, with_contact_points: bool) -> None:
    customer = apps.get_model("customers", "Customer")
    table = customer._meta.db_table
    rows = customer._base_manager.using(schema_editor.connection.alias).order_by("id")
    after = 0
    while True:
        batch = list(rows.filter(id__gt=after).values_list("id", "name", "number", "phone", "email")[:BATCH])
        if not batch:
            return
        updates = []
        for pk, name, number, phone, email in batch:
            parts = (name, phone, email, number or "") if with_contact_points else (name, number or "")
            updates.append((search_text(*parts), pk))
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(f'UPDATE "{table}" SET "search_text" = %s WHERE "id" = %s', updates)
        after = batch[-1][0]


def without_contact_points(apps, schema_editor):
    _recompute(apps, schema_editor, with_contact_points=False)


def with_contact_points(apps, schema_editor):
    _recompute(apps, schema_editor, with_contact_points=True)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0014_claimed_and_created_indexes"),
    ]

    operations = [
        DropSearchIndex("customer"),
        migrations.RunPython(without_contact_points, with_contact_points, elidable=True),
        CreateSearchIndex("customer", fields=("phone", "email")),
    ]
