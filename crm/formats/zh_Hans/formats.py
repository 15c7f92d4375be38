# See crm/formats/__init__.py: both languages print dates the same way.
from crm.formats.en.formats import *  # noqa: F403
