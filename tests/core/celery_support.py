"""Real task queues for tests: point the project's Celery app at a broker, run a private Redis,
and run a Celery worker in a thread of the test process.

The suite runs tasks eagerly (``tests/conftest.py``); these helpers are for the tests about what
happens when the queue is there, gone, or back. Nothing here touches a shared Redis: a test that
needs one starts its own on a free port.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from celery import Celery, signals
from celery.contrib.testing.worker import start_worker
from django.db import connections

import config.celery

REDIS_SERVER = shutil.which("redis-server")
# Nothing listens on port 1: connecting is refused at once, as with Redis stopped.
UNREACHABLE_URL = "redis://127.0.0.1:1/0"


def _forget_connections(app: Celery) -> None:
    """Drop the app's cached broker pool and result backend so the next send uses its new URLs.

    The pools are not closed: kombu keeps one per URL and hands the same one out again.
    """
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@contextmanager
def celery_using(url: str) -> Iterator[Celery]:
    """Send tasks to the broker and result backend at ``url`` (not eagerly) inside the block."""
    app = config.celery.app
    keys = ("broker_url", "result_backend", "task_always_eager", "worker_hijack_root_logger")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=False, worker_hijack_root_logger=False
    )
    _forget_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own, on a free port, with nothing saved to disk.

    ``stop()`` and ``start()`` again keep the port, so clients configured with ``url`` reconnect.
    """

    def __init__(self, directory: Path) -> None:
        assert REDIS_SERVER is not None
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None and self.process is None
        # Another process may take the free port between the probe and the bind: pick another.
        for _ in range(5):
            self.process = subprocess.Popen(
                [
                    *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                    *("--loglevel", "warning"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_until(up=True):
                return
            self.stop()
            self.port = free_port()
        raise RuntimeError("Could not start a private redis-server.")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        assert self._wait_until(up=False), "redis-server still answers after stopping"

    def _wait_until(self, *, up: bool, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                try:
                    answered = bool(client.ping())
                except redis.RedisError:
                    answered = False
                if answered == up:
                    return True
                if up and self.process is not None and self.process.poll() is not None:
                    return False  # it exited (port taken)
                time.sleep(0.05)
            return False
        finally:
            client.close()


@contextmanager
def worker_thread(app: Celery) -> Iterator[None]:
    """A Celery worker (solo pool) consuming from ``app``'s broker in a thread of this process.

    Its tasks use this test's database: the SQLite in-memory test database is one connection
    shared with the thread (as Django's live server does); on PostgreSQL the thread opens its own
    connection to the test database and closes it after each task.
    """
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()  # type: ignore[attr-defined]
    }
    for conn in shared.values():
        conn.inc_thread_sharing()

    def use_test_database(**kwargs: Any) -> None:
        for alias, conn in shared.items():
            connections[alias] = conn

    def close_own_connections(**kwargs: Any) -> None:
        for conn in connections.all(initialized_only=True):
            if conn.alias not in shared:
                conn.close()

    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    signals.task_prerun.connect(use_test_database, weak=False)
    signals.task_postrun.connect(close_own_connections, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        signals.task_prerun.disconnect(use_test_database)
        signals.task_postrun.disconnect(close_own_connections)
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]
        for conn in shared.values():
            conn.dec_thread_sharing()
