"""The persona matrix (crm/core/testing) on notifications: personal records, the recipient's alone — not even an
administrator reads another's."""

from crm.core.testing import PersonaMatrixTestCase
from crm.notifications.models import Notification
from crm.notifications.services import notify
from crm.testing_app.messages import NOTE


class NotificationPersonaTest(PersonaMatrixTestCase):
    model = Notification
    expected = {"rep": frozenset({"view"})}
    list_url = "/notifications/"
    api_list_url = "/api/v1/notifications/"
    api_detail_url = "/api/v1/notifications/{pk}/"
    api_edit = api_delete = False

    @classmethod
    def make_record(cls, owner, label):
        return notify(owner, NOTE(title=label))
