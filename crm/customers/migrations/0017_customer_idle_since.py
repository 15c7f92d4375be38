"""idle_since: when the pool rule's clock started (the latest of the last follow-up, the claim and the creation),
stored and indexed with the owner, so the rule, its warning, the customer page and "returning soon" read one value
from an index. The nullable column is a plain ALTER TABLE … ADD COLUMN (no table rebuild on SQLite), filled by
batched set-based UPDATEs (a range of ids each, fast at a million customers), then indexed; the (owner,
last_follow_up_at) index the rule used before goes."""

from django.db import migrations, models
from django.db.models import Max, Min
from django.db.models.functions import Coalesce, Greatest

BATCH = 50_000


def fill_idle_since(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    rows = Customer._base_manager.aggregate(low=Min("id"), high=Max("id"))
    if rows["low"] is None:
        return
    # The same expression as crm.customers.models.IDLE_SINCE_SQL, frozen here as it was when this was written.
    since = Greatest(Coalesce("last_follow_up_at", "created_at"), Coalesce("claimed_at", "created_at"))
    for start in range(rows["low"], rows["high"] + 1, BATCH):
        Customer._base_manager.filter(id__gte=start, id__lt=start + BATCH).update(idle_since=since)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0016_record_versions"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_pool_rule_idx"),
        migrations.AddField(
            model_name="customer",
            name="idle_since",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="idle since"),
        ),
        migrations.RunPython(fill_idle_since, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "idle_since", "id"], name="customer_idle_idx"),
        ),
    ]
