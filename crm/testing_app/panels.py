"""The deals of a customer, as a panel on the customer's 360° page (what the sales module's opportunities do)."""

from crm.core.panels import Panel
from crm.testing_app.models import Deal


def customer_deals(record, user, page):
    deals = list(Deal.objects.visible_to(user).filter(customer=record).order_by("-id")[:20])
    return {"deals": deals} if deals else None


CUSTOMER_DEALS = Panel(code="testing_app.deals", title="Deals", template="testing_app/_customer_deals.html",
                       context=customer_deals, module="testing_app", order=30)
