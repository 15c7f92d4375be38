"""The per-role settings customers adds to every role (registered from CustomersConfig.ready())."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.role_settings import RoleSetting, most_generous

POOL_CLAIM_LIMIT = RoleSetting(
    code="customers.pool_claim_limit",
    label=_("public pool claim limit"),
    help_text=_("Most customers a holder may own from the public pool at once; empty means no limit."),
    field=lambda: forms.IntegerField(min_value=0, max_value=1_000_000, required=False),
    default=None,  # no limit
    combine=most_generous,  # a user with several roles gets the highest limit; one without a limit, none
    superuser=None,
)
