"""gunicorn's settings for the CRM: ``gunicorn -c python:crm.core.gunicorn_config crm.wsgi:application``.

`crm serve` starts gunicorn with this module, and so does the systemd unit of docs/deployment.md, so a browser
or an API client meets the same server either way. Command-line options given after ``-c`` win.
"""

from __future__ import annotations

import os

# Threads (gthread): a long streamed export keeps its thread alive past the 30 s worker timeout instead of being
# killed mid-download, and does not hold up other users. An idle keep-alive connection waits in the worker's
# poller, not in a thread, so a long keep-alive costs a file descriptor, not a thread.
worker_class = "gthread"
workers = int(os.environ.get("CRM_WEB_WORKERS", "2"))
threads = int(os.environ.get("CRM_WEB_THREADS", "4"))

# Seconds an idle keep-alive connection stays open. gunicorn's default of 2 s closes connections that browsers and
# HTTP client pools (requests, urllib3, locust) still hold as reusable: the next request on one meets a reset,
# and a POST is not retried, so to the user the write is lost. 75 s is longer than the idle time of common client
# pools; a reverse proxy in front must close its idle upstream connections sooner (nginx: `keepalive_timeout` of
# the upstream block, 60 s by default) — docs/deployment.md.
keepalive = int(os.environ.get("CRM_WEB_KEEPALIVE", "75"))

graceful_timeout = 10
accesslog = "-"

# gunicorn's control socket (for `gunicornc`) defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn), so
# two servers on one machine would share it, and stopping one deletes the other's. Each server names its own
# (`crm serve` puts it in the data directory); with none named there is none.
control_socket = os.environ.get("CRM_WEB_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
