"""An independent OpenAPI fuzzer (schemathesis) finds no server error, as a rep and as the administrator (who
reaches the admin-only operations), against a live test server: the project's own sweep
(test_no_server_errors.py) sends the values we thought of, this one the values a fuzzer thinks of.

Bounded for `make test`: a few examples per operation, DELETE left out (the run would remove its own records)
and so is the token rotation (it would sign the run out); see PHASES for the longer run by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from crm.customers.services import create_contact, create_customer, log_activity

EXAMPLES = os.environ.get("CRM_FUZZ_EXAMPLES", "3")
# The coverage phase (every boundary value of every parameter) and the stateful one take ten minutes here: a run
# by hand adds them, CRM_FUZZ_PHASES=examples,coverage,fuzzing,stateful CRM_FUZZ_EXAMPLES=15.
PHASES = os.environ.get("CRM_FUZZ_PHASES", "examples,fuzzing")


def schemathesis() -> str:
    found = Path(sys.executable).with_name("schemathesis")
    return str(found) if found.exists() else (shutil.which("schemathesis") or "schemathesis")


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(ON_POSTGRES and not os.environ.get("CRM_FUZZ_POSTGRES"),
                    reason="fuzzed once per `make test`, in the SQLite run (CRM_FUZZ_POSTGRES=1 fuzzes PostgreSQL too)")
def test_the_openapi_fuzzer_finds_no_server_error_as_a_rep_or_the_admin(live_server, org, tmp_path):
    from django.utils import timezone

    rep = org["sales1"]
    customer = create_customer(actor=rep, data={"name": "模糊测试客户", "phone": "13800138000"})
    create_contact(actor=rep, customer=customer, data={"name": "张三", "mobile": "13900139000"})
    log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": "回访", "occurred_at": timezone.now()})
    failures = []
    for persona in ("sales1", "admin"):
        token = Token.objects.get_or_create(user=org[persona])[0].key
        run = subprocess.run(
            [schemathesis(), "run", f"{live_server.url}/api/v1/schema/", "-H", f"Authorization: Token {token}",
             "--checks", "not_a_server_error", "--max-examples", EXAMPLES, "--exclude-method", "DELETE",
             # A new token for the caller would leave the rest of the run signed out.
             "--exclude-path", "/api/v1/me/token/",
             "--phases", PHASES, "--workers", "1", "--seed", "8", "--no-color",
             "--request-timeout", "30"],
            capture_output=True, text=True, cwd=tmp_path, timeout=600,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
        if run.returncode != 0:
            failures.append(f"--- as {persona} ---\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
