"""`crm rotate_field_keys`: re-encrypt every sensitive value with the first key of CRM_FIELD_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from crm.core.crypto import EncryptedCharField, decrypt, encrypt, is_current


class Command(BaseCommand):
    help = "Re-encrypt sensitive fields with the current key (the first of CRM_FIELD_KEYS)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch: int, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
            if not fields:
                continue
            table, columns = model._meta.db_table, [f.column for f in fields if f.column]
            quote = connection.ops.quote_name
            last_id = 0
            while True:
                # Raw rows: the stored ciphertext tells which key wrote it; the ORM would hand back plain text.
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id, {', '.join(quote(c) for c in columns)} FROM {quote(table)} "
                        f"WHERE id > %s ORDER BY id LIMIT %s", [last_id, batch])
                    rows = cursor.fetchall()
                if not rows:
                    break
                with transaction.atomic(), connection.cursor() as cursor:
                    for pk, *values in rows:
                        stale = {c: v for c, v in zip(columns, values, strict=True) if v and not is_current(v)}
                        if stale:
                            sets = ", ".join(f"{quote(c)} = %s" for c in stale)
                            cursor.execute(f"UPDATE {quote(table)} SET {sets} WHERE id = %s",
                                           [encrypt(decrypt(v)) for v in stale.values()] + [pk])
                            total += 1
                last_id = rows[-1][0]
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows."))
