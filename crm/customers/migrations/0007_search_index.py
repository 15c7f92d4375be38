"""Global search through an index: SQLite FTS5 trigram tables kept by triggers, PostgreSQL pg_trgm GIN indexes.

Filling the SQLite index over existing rows takes about a minute per million customers with two million contacts."""

from django.db import migrations

from crm.core.fulltext import CreateSearchIndex


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_tags_pool_lifecycle_recycle_bin'),
    ]

    operations = [
        CreateSearchIndex('customer'),
        CreateSearchIndex('contact'),
    ]
