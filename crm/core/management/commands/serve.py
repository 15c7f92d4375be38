"""`crm serve`: gunicorn and the Huey consumer together, stopped together (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the CRM with gunicorn and run the task-queue consumer beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("CRM_WEB_WORKERS", "2"))
        parser.add_argument("--threads", default=os.environ.get("CRM_WEB_THREADS", "4"))

    def handle(self, *args, host: str, port: str, workers: str, threads: str, **options):
        # Several gunicorn workers share their metrics through files in this folder (prometheus_client).
        metrics_dir = settings.DATA_DIR / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        bin_dir = os.path.dirname(sys.executable)
        commands = {
            "web": [os.path.join(bin_dir, "gunicorn"), "crm.wsgi:application", "--bind", f"{host}:{port}",
                    # Threads (gthread workers): a long streamed export keeps its thread alive past gunicorn's
                    # 30 s worker timeout instead of being killed mid-download, and does not block other users.
                    "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
                    "--graceful-timeout", "10"],
            "tasks": [sys.executable, "-m", "crm.cli", "run_huey"],
        }
        children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"CRM serving on http://{host}:{port}/ — Ctrl-C stops it."))

        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)
