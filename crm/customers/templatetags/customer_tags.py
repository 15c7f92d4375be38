"""Small display helpers of the customer pages."""

from django import template

from crm.customers.timeline import FOLLOW_UP_ICONS

register = template.Library()


@register.filter
def follow_up_icon(kind: str) -> str:
    """The Bootstrap Icon of a follow-up type (the composer's buttons, the timeline's entries)."""
    return FOLLOW_UP_ICONS.get(kind, "chat-left-text")
