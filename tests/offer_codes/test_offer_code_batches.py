"""Offer code batches against the fake, with faults on create: each code exactly once."""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from gumroad_async import GumroadClient, InvalidArgumentError
from gumroad_async.testing import FakeGumroad


def live_names(fake: FakeGumroad, product_id: str) -> Counter[str]:
    return Counter(c["name"] for c in fake.state.offer_codes.values()
                   if not c["_deleted"] and (c["_product_id"] == product_id or c["_universal"]))


def creates(fake: FakeGumroad) -> int:
    return len(fake.requests_to("POST", "/v2/products/*/offer_codes"))


async def test_a_batch_of_one_time_codes(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Book")["id"]
    result = await client.offer_codes.create_batch(pid, count=25, prefix="GIVE-", length=6,
                                                   offer_type="percent", amount_off=100)
    assert len(result.created) == 25 and not result.failed
    assert all(len(c) == 11 and c.startswith("GIVE-") for c in result.codes)
    assert live_names(fake, pid) == Counter(result.codes)
    sent = fake.requests_to("POST", "/v2/products/*/offer_codes")
    assert {r.form["max_purchase_count"] for r in sent} == {"1"}
    assert {r.form["offer_type"] for r in sent} == {"percent"}


async def test_the_same_codes_on_several_products(fake: FakeGumroad, client: GumroadClient) -> None:
    one, two = fake.add_product(name="A")["id"], fake.add_product(name="B")["id"]
    result = await client.offer_codes.create_batch([one, two], count=5, amount_cents=300)
    assert len(result.created) == 10
    assert live_names(fake, one) == live_names(fake, two) == Counter(result.codes)


async def test_universal_codes_are_made_once(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="A")["id"]
    other = fake.add_product(name="B")["id"]
    result = await client.offer_codes.create_batch(pid, count=4, amount_cents=100, universal=True)
    assert creates(fake) == 4 and live_names(fake, other) == Counter(result.codes)


@pytest.mark.parametrize("fault", [
    {"status": 500, "after_handler": True},
    {"status": 503},
    {"drop": True, "after_handler": True},
    {"drop": True},
])
async def test_every_code_exactly_once_under_faults(
    fake: FakeGumroad, client: GumroadClient, fault: dict[str, object]
) -> None:
    pid = fake.add_product(name="Book")["id"]
    fake.inject(method="POST", path="/v2/products/*/offer_codes", times=6, **fault)  # type: ignore[arg-type]
    result = await client.offer_codes.create_batch(pid, count=12, amount_cents=500,
                                                   concurrency=3)
    assert len(result.created) == 12 and not result.failed
    assert live_names(fake, pid) == Counter(result.codes)  # none missing, none twice


async def test_a_timeout_after_the_work_is_checked(fake: FakeGumroad) -> None:
    pid = fake.add_product(name="Book")["id"]
    fake.inject(method="POST", path="/v2/products/*/offer_codes", stall=2, after_handler=True,
                times=2)
    async with GumroadClient(fake.token, base_url=fake.url, timeout=0.5,
                             backoff_base=0.01) as gumroad:
        result = await gumroad.offer_codes.create_batch(pid, count=3, amount_cents=100)
    assert len(result.created) == 3 and live_names(fake, pid) == Counter(result.codes)
    assert creates(fake) == 3  # the timed-out ones were found, not created again


async def test_collisions_with_existing_codes_are_avoided(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    pid = fake.add_product(name="Book")["id"]
    # Alphabet "AB", length 3: eight possible codes, four taken already (Gumroad compares
    # without regard to case), so the batch can only use the other four.
    for name in ("XAAA", "XAAB", "xaba", "XABB"):
        fake.add_offer_code(pid, name=name, amount_cents=1)
    result = await client.offer_codes.create_batch(pid, count=4, prefix="X", length=3,
                                                   alphabet="AB", amount_cents=100)
    assert sorted(result.codes) == ["XBAA", "XBAB", "XBBA", "XBBB"]
    assert not result.failed and max(live_names(fake, pid).values()) == 1


async def test_resume_with_the_results_file(
    fake: FakeGumroad, client: GumroadClient, tmp_path: Path
) -> None:
    pid = fake.add_product(name="Book")["id"]
    results = tmp_path / "batch.csv"
    fake.latency = 0.02
    enough = asyncio.Event()
    finished: list[object] = []

    def progress(item: object) -> None:
        finished.append(item)
        if len(finished) >= 8:
            enough.set()

    task = asyncio.create_task(client.offer_codes.create_batch(
        pid, count=30, amount_cents=100, results=results, concurrency=2, on_progress=progress))
    await asyncio.wait_for(enough.wait(), timeout=30)
    task.cancel()  # a kill, as far as the batch can tell
    with pytest.raises(asyncio.CancelledError):
        await task
    fake.latency = 0
    with results.open(newline="") as file:
        planned = {row["code"] for row in csv.DictReader(file)}
    made_before = sum(live_names(fake, pid).values())
    assert len(planned) == 30 and 0 < made_before < 30
    before = creates(fake)

    result = await client.offer_codes.create_batch(pid, count=30, amount_cents=100,
                                                   results=results)
    assert set(result.codes) == planned and len(result.created) == 30
    assert live_names(fake, pid) == Counter(planned)
    assert creates(fake) - before == 30 - made_before  # what existed was found, not re-sent
    again = await client.offer_codes.create_batch(pid, count=30, amount_cents=100,
                                                  results=results)
    assert len(again.created) == 30 and live_names(fake, pid) == Counter(planned)


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"count": 0, "amount_cents": 1}, "count"),
    ({"count": 5, "length": 1, "alphabet": "AB", "amount_cents": 1}, "count"),
    ({"count": 5, "prefix": "NO SPACE", "amount_cents": 1}, "prefix"),
    ({"count": 5, "offer_type": "percent", "amount_off": 150}, "amount_off"),
    ({"count": 5}, "amount_cents"),
    ({"count": 5, "amount_cents": 1, "alphabet": "A!"}, "alphabet"),
])
async def test_impossible_batches_send_nothing(
    fake: FakeGumroad, client: GumroadClient, kwargs: dict[str, object], argument: str
) -> None:
    pid = fake.add_product(name="Book")["id"]
    with pytest.raises(InvalidArgumentError) as info:
        await client.offer_codes.create_batch(pid, **kwargs)  # type: ignore[arg-type]
    assert info.value.argument == argument
    assert fake.requests == []


async def test_delete_batch(fake: FakeGumroad, client: GumroadClient) -> None:
    pid = fake.add_product(name="Book")["id"]
    fake.add_offer_code(pid, name="KEEPME", amount_cents=100)
    await client.offer_codes.create_batch(pid, count=7, prefix="TMP-", amount_cents=100)
    assert await client.offer_codes.delete_batch(pid, prefix="TMP-") == 7
    assert live_names(fake, pid) == Counter({"KEEPME": 1})
    with pytest.raises(InvalidArgumentError):
        await client.offer_codes.delete_batch(pid, prefix="")


async def test_the_command_line(fake: FakeGumroad, tmp_path: Path) -> None:
    pid = fake.add_product(name="Book")["id"]
    env = {**os.environ, "GUMROAD_ACCESS_TOKEN": fake.token}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gumroad_async", "offer-codes", "create-batch", "--base-url",
        fake.url, "--product", pid, "--count", "6", "--prefix", "CLI-", "--cents", "250",
        "--results", str(tmp_path / "r.csv"), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert len(lines) == 6 and all(line.startswith("CLI-") for line in lines)
    assert "6 created, 0 failed" in err.decode()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gumroad_async", "offer-codes", "delete-batch", "--base-url",
        fake.url, "--product", pid, "--prefix", "CLI-", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0 and "6 offer codes deleted" in err.decode()


async def test_a_space_filled_by_existing_codes_is_refused(
    fake: FakeGumroad, client: GumroadClient
) -> None:
    pid = fake.add_product(name="Book")["id"]
    for name in ("XAAA", "XAAB", "XABA", "XABB", "XBAA"):
        fake.add_offer_code(pid, name=name, amount_cents=1)
    with pytest.raises(InvalidArgumentError, match="too few free codes"):
        await client.offer_codes.create_batch(pid, count=4, prefix="X", length=3,
                                               alphabet="AB", amount_cents=100)
    assert creates(fake) == 0


async def test_the_command_line_refuses_a_results_file_that_is_not_utf8(
    fake: FakeGumroad, tmp_path: Path
) -> None:
    pid = fake.add_product(name="Book")["id"]
    results = tmp_path / "r.csv"
    results.write_bytes(b"code,product_id\n\xff\xfeCODE,P\n")
    env = {**os.environ, "GUMROAD_ACCESS_TOKEN": fake.token}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gumroad_async", "offer-codes", "create-batch", "--base-url",
        fake.url, "--product", pid, "--count", "3", "--cents", "250", "--results",
        str(results), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    text = err.decode()
    assert process.returncode != 0 and "Traceback" not in text
    assert text.count("\n") == 1 and str(results) in text and "UTF-8" in text
    assert creates(fake) == 0
def _imported_modules(path: Path) -> set[str]:
    """The modules a source file imports at its top level (not under ``TYPE_CHECKING``)."""
    import ast

    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_batches_build_on_the_service_not_the_other_way_round() -> None:
    import gumroad_async.services._offer_code_batches as batches
    import gumroad_async.services.offer_codes as service

    service_imports = _imported_modules(Path(service.__file__))
    assert not any("_offer_code_batches" in name for name in service_imports)
    source = Path(batches.__file__).read_text()
    assert "gumroad_async.services.offer_codes" in _imported_modules(Path(batches.__file__))
    assert "TYPE_CHECKING" not in source
    assert issubclass(batches.BatchOfferCodesService, service.OfferCodesService)
    client = GumroadClient("t", base_url="http://127.0.0.1:9")
    assert isinstance(client.offer_codes, batches.BatchOfferCodesService)
    asyncio.run(client.close())
