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

# A Unix socket's path may be at most 107 bytes long (sun_path); a deeper data directory gets no control socket.
MAX_SOCKET_PATH = 100


def control_socket_path(port: str) -> str:
    """This server's own gunicorn control socket: CRM_WEB_CONTROL_SOCKET, else one in its data directory named by
    its port, so two `crm serve` on one machine never share one (gunicorn's default is one per user, in the
    home directory, and stopping either server deletes it). "" (none) when that path would be too long."""
    if configured := os.environ.get("CRM_WEB_CONTROL_SOCKET"):
        return configured
    path = settings.DATA_DIR / "run" / f"gunicorn-{port}.ctl"
    return str(path) if len(str(path).encode()) <= MAX_SOCKET_PATH else ""


def gunicorn_command(*, host: str, port: str, workers: str, threads: str, keep_alive: str) -> list[str]:
    """The gunicorn command line of `crm serve`: crm/core/gunicorn_config.py with this instance's address and
    sizes (its control socket comes through the environment, see ``handle``)."""
    return [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "crm.wsgi:application",
            "--config", "python:crm.core.gunicorn_config", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--threads", str(threads), "--keep-alive", str(keep_alive)]


class Command(BaseCommand):
    help = "Serve the CRM with gunicorn and run the task-queue consumer beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("CRM_WEB_WORKERS", "2"))
        parser.add_argument("--threads", default=os.environ.get("CRM_WEB_THREADS", "4"))
        parser.add_argument("--keep-alive", default=os.environ.get("CRM_WEB_KEEPALIVE", "75"),
                            help="Seconds an idle keep-alive connection stays open (default 75).")

    def handle(self, *args, host: str, port: str, workers: str, threads: str, keep_alive: str, **options):
        # Several gunicorn workers share their metrics through files in this folder (prometheus_client); one
        # folder per port, so a second server on the same data directory does not wipe the first one's.
        metrics_dir = settings.DATA_DIR / "metrics" / str(port)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        control_socket = control_socket_path(port)
        if control_socket:
            os.makedirs(os.path.dirname(control_socket), exist_ok=True)
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "CRM_WEB_CONTROL_SOCKET": control_socket}
        commands = {
            "web": gunicorn_command(host=host, port=port, workers=workers, threads=threads, keep_alive=keep_alive),
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
