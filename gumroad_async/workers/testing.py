"""Helpers to test a fleet on one machine: worker processes, and a fake that times requests.

::

    async with TimedFakeGumroad(token="t", rate_limit=20) as fake, \\
            WorkerProcesses(3, redis_url=..., db_url=..., namespace="test") as workers:
        ...
        workers.kill(0)                      # SIGKILL, as a crash would
        assert fake.busiest_second() <= 20   # requests that arrived in any calendar second
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from gumroad_async.testing import FakeGumroad

__all__ = ["TimedFakeGumroad", "WorkerProcesses"]


class TimedFakeGumroad(FakeGumroad):
    """A ``FakeGumroad`` that also notes when each request arrived and its answer's status."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: ``(unix time of arrival, status answered)`` per request.
        self.arrivals: list[tuple[float, int]] = []
        #: The path of each request, in the order of ``arrivals``.
        self.arrival_paths: list[str] = []

    def app(self) -> web.Application:
        application = super().app()

        @web.middleware
        async def note_arrival(
            request: web.Request,
            handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ) -> web.StreamResponse:
            arrived = time.time()
            response = await handler(request)
            self.arrivals.append((arrived, response.status))
            self.arrival_paths.append(request.path)
            return response

        application.middlewares.append(note_arrival)
        return application

    def per_second(self) -> Counter[int]:
        """Requests that arrived in each calendar second."""
        return Counter(int(arrived) for arrived, _ in self.arrivals)

    def busiest_second(self) -> int:
        return max(self.per_second().values(), default=0)

    def rate(self) -> float:
        """Requests per second from the first arrival to the last."""
        if len(self.arrivals) < 2:
            return 0.0
        first, last = self.arrivals[0][0], self.arrivals[-1][0]
        return (len(self.arrivals) - 1) / (last - first) if last > first else 0.0

    def statuses(self) -> Counter[int]:
        return Counter(status for _, status in self.arrivals)


class WorkerProcesses:
    """``gumroad-async worker`` run as ``count`` child processes (killed on exit)."""

    def __init__(self, count: int, *, redis_url: str, db_url: str, namespace: str,
                 options: Sequence[str] = (), log_dir: str | os.PathLike[str] | None = None
                 ) -> None:
        self.count = count
        self.arguments = [
            sys.executable, "-m", "gumroad_async", "worker", "--redis", redis_url,
            "--db", db_url, "--namespace", namespace, *options,
        ]
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> Self:
        for index in range(self.count):
            if self.log_dir is None:
                self.processes.append(subprocess.Popen(
                    self.arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                continue
            # The child keeps its own descriptor of the log; ours closes at once.
            with open(self.log_dir / f"worker-{index}.log", "wb") as log:
                self.processes.append(subprocess.Popen(
                    self.arguments, stdout=log, stderr=subprocess.STDOUT))
        return self

    def kill(self, index: int) -> None:
        """SIGKILL one worker: no clean-up, as in a crash or an OOM kill."""
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait()

    def log(self, index: int) -> str:
        if self.log_dir is None:
            return ""
        return (self.log_dir / f"worker-{index}.log").read_text(errors="replace")

    def busy(self) -> list[int]:
        """The live workers whose log shows a job started and not yet ended (needs
        ``log_dir``)."""
        busy = []
        for index, process in enumerate(self.processes):
            lines = self.log(index).splitlines()
            started = sum(1 for line in lines if " → " in line)
            ended = sum(1 for line in lines if " ← " in line)
            if process.poll() is None and started > ended:
                busy.append(index)
        return busy

    def stop(self) -> None:
        """SIGTERM the live workers (arq finishes or cancels its jobs), then wait."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
