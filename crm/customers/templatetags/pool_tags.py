"""The pool and lifecycle controls of the customer page, as one inclusion tag so that page needs one line."""

from django import template

from crm.accounts.models import User
from crm.customers.models import Customer
from crm.customers.services import pool
from crm.system.dictionaries import dictionary_choices

register = template.Library()


@register.inclusion_tag("customers/pool/_customer_actions.html", takes_context=True)
def pool_and_stage_actions(context, customer: Customer) -> dict:
    """Claim / assign for a pool customer; release and "returns to the pool on" for an owned one; the lifecycle
    stage with "set by hand" and "back to automatic"."""
    user = context["request"].user
    in_pool = customer.in_pool
    may_assign = in_pool and user.has_module_perm("customers", "assign") and user.has_module_perm("customers", "pool")
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "customer": customer,
        "in_pool": in_pool,
        "can_claim": in_pool and user.has_module_perm("customers", "pool"),
        "can_assign": may_assign,
        "assignees": User.objects.filter(is_active=True) if may_assign else [],
        "can_release": not in_pool and pool.can_release(user, customer),
        "release_reasons": dictionary_choices("release_reason"),
        "returns_at": pool.returns_at(customer),
        "can_set_stage": not context.get("pool_preview") and context.get("can_edit", False),
        "stages": Customer.Stage.choices,
    }
