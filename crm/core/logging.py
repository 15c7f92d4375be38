import logging

from crm.core.request_context import current_request_id


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the id of the request being served (empty outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class ClientErrorFilter(logging.Filter):
    """Keeps the one line, not the traceback, of a request Django refused as the client's fault (too many form
    fields, a bad Host header: ``django.security.*``, answered 400): a fuzzer or a bot sending junk is noise in
    the log, and a traceback there should mean a bug on our side."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
