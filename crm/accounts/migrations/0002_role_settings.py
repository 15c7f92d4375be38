# A role's claim limit moves from its own column into Role.settings, where customers registers it as the
# per-role setting "customers.pool_claim_limit" (crm.accounts.role_settings).

from django.db import migrations, models

CLAIM_LIMIT = "customers.pool_claim_limit"


def limits_to_settings(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.exclude(pool_claim_limit=None):
        role.settings = {**role.settings, CLAIM_LIMIT: role.pool_claim_limit}
        role.save(update_fields=["settings"])


def settings_to_limits(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.all():
        limit = role.settings.get(CLAIM_LIMIT)
        if limit is not None:
            role.pool_claim_limit = limit
            role.save(update_fields=["pool_claim_limit"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='role',
            name='settings',
            field=models.JSONField(blank=True, default=dict, verbose_name='settings'),
        ),
        migrations.RunPython(limits_to_settings, settings_to_limits),
        migrations.RemoveField(
            model_name='role',
            name='pool_claim_limit',
        ),
    ]
