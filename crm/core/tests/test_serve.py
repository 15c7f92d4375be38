"""`crm serve` as a real server: keep-alive connections outlive a client's short idle pause, and two servers on
one machine each keep their own gunicorn control socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(connection: socket.socket, path: str = "/healthz") -> bytes:
    """One request on an open keep-alive connection; the response's status line, or b"" if the server had closed
    the connection (or reset it)."""
    try:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = connection.recv(4096)
            if not chunk:
                return b""
            head += chunk
    except (ConnectionResetError, BrokenPipeError):
        return b""
    headers, body = head.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in headers.split(b"\r\n") if line.lower().startswith(
        b"content-length:")))
    while len(body) < length:
        body += connection.recv(4096)
    return headers.split(b"\r\n")[0]


class Server:
    def __init__(self, data_dir: Path, home: Path):
        self.port = free_port()
        env = {key: value for key, value in os.environ.items()
               if key not in {"DATABASE_URL", "XDG_RUNTIME_DIR", "PROMETHEUS_MULTIPROC_DIR"}}
        # SQLite in a scratch data directory: /healthz needs no migrated tables. A home of its own shows where
        # gunicorn would put a default control socket.
        env.update(CRM_DATA_DIR=str(data_dir), HOME=str(home), CRM_SECRET_KEY="serve-test-" + "x" * 40,
                   DJANGO_SETTINGS_MODULE="crm.settings")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crm.cli", "serve", "--port", str(self.port), "--workers", "1", "--threads", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.control_socket = data_dir / "run" / f"gunicorn-{self.port}.ctl"

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "crm serve exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
                    if http_get(connection).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError("crm serve did not answer /healthz")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def servers(tmp_path):
    started: list[Server] = []
    # A short scratch path: a Unix socket's path is bounded (sun_path).
    data_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"crm-serve-{os.getpid()}-{free_port()}"
    data_dir.mkdir()

    def start() -> Server:
        server = Server(data_dir, tmp_path / "home")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    subprocess.run(["rm", "-rf", str(data_dir)], check=False)


def test_a_keep_alive_connection_idle_for_some_seconds_is_still_served(servers):
    server = servers()
    server.wait_until_serving()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        assert http_get(connection).startswith(b"HTTP/1.1 200")
        # A client pool's pause between two requests: longer than gunicorn's default keep-alive of 2 s.
        time.sleep(3.5)
        assert http_get(connection).startswith(b"HTTP/1.1 200")


def test_two_servers_on_one_machine_keep_their_own_control_sockets(servers, tmp_path):
    first, second = servers(), servers()
    first.wait_until_serving()
    second.wait_until_serving()
    for server in (first, second):
        assert server.control_socket.is_socket()
    assert not (tmp_path / "home" / ".gunicorn").exists()

    first.stop()

    assert not first.control_socket.exists()
    assert second.control_socket.is_socket()
    with socket.socket(socket.AF_UNIX) as control:
        control.connect(str(second.control_socket))  # still the live server's, not a stale file
    with socket.create_connection(("127.0.0.1", second.port), timeout=10) as connection:
        assert http_get(connection).startswith(b"HTTP/1.1 200")
