"""微信 (WeChat) as a follow-up type where the follow-up types were already set up.

Chinese reps follow up on WeChat more than by any other channel; the seed of ``follow_up_type`` has it now. An
installation whose list was seeded before gets it too, after 拜访 — unless an administrator already has a
``wechat`` item (kept as it is) or never set the list up (nothing to add it to).
"""

from django.db import migrations


def add_wechat(apps, schema_editor):
    item = apps.get_model("system", "DictionaryItem")
    types = item.objects.filter(kind="follow_up_type")
    if not types.exists() or types.filter(code="wechat").exists():
        return
    visit = types.filter(code="visit").first()
    order = visit.sort_order + 5 if visit else 0
    item.objects.create(kind="follow_up_type", code="wechat", label_zh="微信", label_en="WeChat", sort_order=order,
                        color="#07c160")


class Migration(migrations.Migration):
    dependencies = [("customers", "0020_renormalise_stored_phones"), ("system", "0003_input_bounds")]
    operations = [migrations.RunPython(add_wechat, migrations.RunPython.noop)]
