"""On PostgreSQL the owner-and-stage index also carries the id (INCLUDE): the data scope's collaborator test
(``id IN (SELECT customer_id …)``) names it, and without it PostgreSQL reads every counted row instead of the index
alone (the home page's stage counts at a million customers: 320 → 38 ms for a rep, bench/README.md). SQLite's
index holds the rowid already; Django's Index(include=…) would skip the index on SQLite altogether, so this is
SQL for PostgreSQL only, under the same name, and the model's Index keeps describing the key columns."""

from django.db import migrations

COLUMNS = "owner_id, lifecycle_stage, deleted_at, department_id"


def _recreate(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_owner_stage_idx")
    schema_editor.execute(f"CREATE INDEX customer_owner_stage_idx ON customers_customer ({COLUMNS}){include}")


def include_id(apps, schema_editor) -> None:
    _recreate(schema_editor, " INCLUDE (id)")


def key_columns_only(apps, schema_editor) -> None:
    _recreate(schema_editor, "")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0022_owner_stage_index_covers_department'),
    ]

    operations = [
        migrations.RunPython(include_id, key_columns_only),
    ]
