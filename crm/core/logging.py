import logging

from crm.core.request_context import current_request_id


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the id of the request being served (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
