"""``gumroad-async fake-server`` run as a user runs it: errors in one line, edge faults."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

import aiohttp
import pytest


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gumroad_async", "fake-server", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_port_out_of_range_is_one_clear_line(port: str) -> None:
    result = run_command("--port", port)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "out of range" in lines[0] and port in lines[0]


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_command("--port", str(port))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: cannot listen on 127.0.0.1:{port}: address already in use"]


def test_edge_fault_option() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gumroad_async", "fake-server", "--port", "0", "--sales", "3",
         "--edge-fault", "bad_gateway", "--edge-fault-every", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ")[1].split()[0]

        async def statuses() -> list[tuple[int, str]]:
            found = []
            async with aiohttp.ClientSession(
                headers={"Authorization": "Bearer test-token"}
            ) as session:
                for _ in range(4):
                    async with session.get(url + "/v2/sales") as response:
                        found.append((response.status, response.content_type))
            return found

        assert asyncio.run(statuses()) == [(200, "application/json"), (502, "text/html")] * 2
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
