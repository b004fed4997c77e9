"""`gumroad-async export` as a user runs it: a real process, killed and resumed; exit codes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from datetime import date
from pathlib import Path

from gumroad_async.testing import FakeGumroad


async def cli(*args: str, token: str | None = None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUMROAD_")}
    if token is not None:
        env["GUMROAD_ACCESS_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gumroad_async", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


async def test_killed_export_resumes_with_every_sale_once(fake: FakeGumroad, tmp_path: Path) -> None:
    fake.seed(21, sales=3000, start=date(2024, 1, 1), end=date(2025, 1, 1))
    # Slow enough that the kill below lands mid-walk however fast the rest has become
    # (300 pages, 4 at a time: about 4 s; the kill comes after the first 40 kB).
    fake.latency = 0.05
    out, state = tmp_path / "sales.jsonl", tmp_path / "sales.checkpoint"
    args = ["export", "sales", "--base-url", fake.url, "--after", "2024-01-01",
            "--before", "2025-01-01", "--out", str(out), "--checkpoint", str(state),
            "--concurrency", "4", "--quiet"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GUMROAD_")},
           "GUMROAD_ACCESS_TOKEN": fake.token}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "gumroad_async", *args,
                                                   env=env)
    try:
        for _ in range(600):  # wait (at most 30 s) until it is well under way
            await asyncio.sleep(0.05)
            if state.exists() and out.exists() and out.stat().st_size > 40_000:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    saved = json.loads(state.read_text())
    assert not all(window["done"] for window in saved["windows"]), "killed too late"
    assert saved["records"] < 3000

    fake.latency = 0
    code, _, err = await cli(*args, token=fake.token)
    assert code == 0, err
    ids = ids_in(out)
    assert len(ids) == 3000 and len(set(ids)) == 3000
    assert set(ids) == {s["id"] for s in fake.state.iter_sales()}


async def test_csv_to_a_file_and_jsonl_to_stdout(fake: FakeGumroad, tmp_path: Path) -> None:
    fake.seed(3, sales=40, start=date(2024, 1, 1), end=date(2024, 2, 1))
    code, out, err = await cli("export", "sales", "--base-url", fake.url, "--after",
                               "2024-01-01", "--before", "2024-02-01", token=fake.token)
    assert code == 0 and len(out.splitlines()) == 40 and "exported 40 records" in err
    target = tmp_path / "s.csv"
    code, _, _ = await cli("export", "sales", "--base-url", fake.url, "--after", "2024-01-01",
                           "--before", "2024-02-01", "--out", str(target), token=fake.token)
    assert code == 0 and len(target.read_text().splitlines()) == 41  # with its header


async def test_subscribers_command(fake: FakeGumroad, tmp_path: Path) -> None:
    pid = fake.add_product(name="Club")["id"]
    for _ in range(3):
        fake.add_subscriber(product_id=pid)
    code, out, _ = await cli("export", "subscribers", "--base-url", fake.url, "--product-id",
                             pid, "-q", token=fake.token)
    assert code == 0 and len(out.splitlines()) == 3


async def test_bad_token_exits_1_without_showing_it(fake: FakeGumroad) -> None:
    code, _, err = await cli("export", "sales", "--base-url", fake.url, "--after", "2024-01-01",
                             token="not-the-token")
    assert code == 1 and "error:" in err and "401" in err
    assert "not-the-token" not in err and "Traceback" not in err


async def test_bad_date_exits_2(fake: FakeGumroad) -> None:
    code, _, err = await cli("export", "sales", "--base-url", fake.url, "--after", "2024/01/01",
                             token=fake.token)
    assert code == 2 and "after" in err and "Traceback" not in err
    assert fake.requests == []


async def test_missing_token_exits_2() -> None:
    code, _, err = await cli("export", "sales", "--after", "2024-01-01")
    assert code == 2 and "GUMROAD_ACCESS_TOKEN" in err


async def test_checkpoint_needs_a_file(fake: FakeGumroad, tmp_path: Path) -> None:
    code, _, err = await cli("export", "sales", "--base-url", fake.url, "--checkpoint",
                             str(tmp_path / "cp"), token=fake.token)
    assert code == 2 and "--out" in err


async def test_unreachable_server_exits_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = await cli("export", "sales", "--base-url", f"http://127.0.0.1:{port}",
                             "--after", "2024-01-01", token="t")
    assert code == 1 and "error:" in err and "Traceback" not in err


async def test_a_broken_checkpoint_is_one_line_and_exit_2(fake: FakeGumroad, tmp_path: Path) -> None:
    state = tmp_path / "cp"
    state.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = await cli("export", "sales", "--base-url", fake.url, "--after", "2024-01-01",
                             "--out", str(tmp_path / "s.jsonl"), "--checkpoint", str(state),
                             token=fake.token)
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and str(state) in err and "UTF-8" in err
    assert fake.requests == []


async def test_resuming_into_another_out_or_format_is_refused(
    fake: FakeGumroad, tmp_path: Path
) -> None:
    fake.seed(2, sales=50, start=date(2024, 1, 1), end=date(2024, 2, 1))
    state, out = tmp_path / "cp", tmp_path / "s.jsonl"
    base = ["export", "sales", "--base-url", fake.url, "--after", "2024-01-01", "--before",
            "2024-02-01", "--checkpoint", str(state), "-q"]
    code, _, err = await cli(*base, "--out", str(out), token=fake.token)
    assert code == 0, err
    for other in (["--out", str(tmp_path / "t.jsonl")], ["--out", str(out), "--format", "csv"],
                  ["--out", str(out), "--email", "a@b.c"]):
        code, _, err = await cli(*base, *other, token=fake.token)
        assert code == 2 and "another export" in err and err.count("\n") == 1, err
    assert not (tmp_path / "t.jsonl").exists()


async def test_after_not_before_before_exits_2_before_any_request(fake: FakeGumroad) -> None:
    code, _, err = await cli("export", "sales", "--base-url", fake.url, "--after", "2024-03-01",
                             "--before", "2024-03-01", token=fake.token)
    assert code == 2 and "earlier than before" in err and "Traceback" not in err
    assert fake.requests == []


async def test_an_unexpected_failure_is_one_line_unless_debug(
    fake: FakeGumroad, tmp_path: Path
) -> None:
    # The output's folder cannot be made: a file stands where it should be.
    (tmp_path / "file").write_text("")
    args = ["export", "sales", "--base-url", fake.url, "--after", "2024-01-01", "--out",
            str(tmp_path / "file" / "s.jsonl")]
    code, _, err = await cli(*args, token=fake.token)
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1, err
    assert "gumroad-async: error:" in err
    code, _, err = await cli("--debug", *args, token=fake.token)
    assert code == 1 and "Traceback" in err
