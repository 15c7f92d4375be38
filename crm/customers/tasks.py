"""Nightly customer jobs on the Huey consumer (``crm run_huey``; ``crm serve`` runs one beside the web server).

Times are UTC (``HUEY["utc"]``): 18:30 UTC is 02:30 in China, when nobody is working their customers.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from crm.customers.services.lifecycle import refresh_lifecycle_stages
from crm.customers.services.pool import return_idle_customers, warn_owners_before_return


@db_periodic_task(crontab(minute="30", hour="18"))
@lock_task("customers-pool-rule")
def run_pool_rules() -> dict[str, int]:
    """Idle customers back to the pool first, then the warnings for those next in line (so nobody is warned
    about a customer that has already gone)."""
    returned = return_idle_customers()
    warned = warn_owners_before_return()
    return {"returned": returned, "warned": warned}


@db_periodic_task(crontab(minute="0", hour="19"))
@lock_task("customers-lifecycle")
def refresh_lifecycle() -> dict[str, int]:
    """Every customer's lifecycle stage from its follow-ups and orders (stages set by hand are kept)."""
    return refresh_lifecycle_stages()
