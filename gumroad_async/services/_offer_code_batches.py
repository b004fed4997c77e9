"""Offer code batches: many unique one-time codes in one call, safe to re-run.

Gumroad creates one offer code per request. A batch plans its codes first (drawn with
``secrets`` and checked against the codes each product already has), writes the plan to a
results file, then creates the codes a few at a time. A create is never repeated blindly:
after an ambiguous failure (timeout, dropped connection, 5xx) the product's codes are
listed to see whether it went through. Re-running with the same results file skips what
is done and re-checks what was in flight, so no code is made twice and none is lost.
"""

from __future__ import annotations

import asyncio
import csv
import os
import secrets
import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from gumroad_async._arguments import check_id, check_whole_number
from gumroad_async._csv import csv_text
from gumroad_async.errors import (
    APIConnectionError,
    APIError,
    InvalidArgumentError,
    ServerError,
)
from gumroad_async.records import OfferCode
from gumroad_async.services.offer_codes import OfferCodesService, OfferType, offer_code_fields

__all__ = [
    "DEFAULT_ALPHABET",
    "BatchItem",
    "BatchOfferCodesService",
    "BatchResult",
]

#: Upper-case letters and digits: Gumroad matches codes without regard to case, so mixed
#: case would only look larger than it is.
DEFAULT_ALPHABET = string.ascii_uppercase + string.digits
_ALLOWED = frozenset(string.ascii_letters + string.digits + "-_")
_COLUMNS = ("code", "product_id", "offer_code_id", "status", "message")
#: Attempts per code when its creates keep failing ambiguously.
_ATTEMPTS = 3
MAX_BATCH = 10_000

Status = Literal["planned", "created", "failed"]


@attrs.frozen
class BatchItem:
    """One code on one product, and what became of it."""

    code: str
    product_id: str
    status: Status
    offer_code_id: str | None = None
    message: str = ""


@attrs.frozen
class BatchResult:
    """Every item of a batch (resumed ones included) and the tallies."""

    items: tuple[BatchItem, ...]

    @property
    def created(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.status == "created")

    @property
    def failed(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if i.status == "failed")

    @property
    def codes(self) -> tuple[str, ...]:
        """The batch's codes, in plan order, each once."""
        return tuple(dict.fromkeys(i.code for i in self.items))


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not set(prefix) <= _ALLOWED:
        raise InvalidArgumentError(
            "prefix", f"may only hold letters, digits, '-' and '_', got {prefix!r}"
        )
    return prefix


def _check_alphabet(alphabet: str) -> str:
    letters = "".join(dict.fromkeys(alphabet))
    if len(letters) < 2 or not set(letters) <= _ALLOWED:
        raise InvalidArgumentError(
            "alphabet", "needs at least two of the allowed characters (letters, digits, - _)"
        )
    return letters


class _ResultsFile:
    """The CSV of a batch: one row per change, the last row of a (code, product) wins."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def read(self) -> dict[tuple[str, str], BatchItem]:
        if self.path is None or not self.path.exists():
            return {}
        items: dict[tuple[str, str], BatchItem] = {}
        with self.path.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                if not row.get("code") or not row.get("product_id"):
                    continue  # a row cut short by a kill
                status = row.get("status", "")
                items[(row["code"], row["product_id"])] = BatchItem(
                    code=row["code"], product_id=row["product_id"],
                    status=status if status in ("created", "failed") else "planned",  # type: ignore[arg-type]
                    offer_code_id=row.get("offer_code_id") or None,
                    message=row.get("message") or "",
                )
        return items

    def append(self, items: Sequence[BatchItem]) -> None:
        if self.path is None or not items:
            return
        new = not self.path.exists() or self.path.stat().st_size == 0
        rows = [[item.code, item.product_id, item.offer_code_id or "", item.status,
                 item.message] for item in items]
        with self.path.open("a", encoding="utf-8", newline="") as file:
            file.write(csv_text([_COLUMNS, *rows] if new else rows))
            file.flush()
            os.fsync(file.fileno())


async def _existing_names(service: OfferCodesService, product_id: str) -> dict[str, OfferCode]:
    codes = await service.list(product_id).to_list()
    return {code.name.lower(): code for code in codes if code.name}


def _draw(
    count: int, prefix: str, length: int, alphabet: str, existing: dict[str, dict[str, Any]]
) -> list[str]:
    taken = {name for names in existing.values() for name in names}
    codes: dict[str, None] = {}
    draws = 0
    while len(codes) < count:
        draws += 1
        if draws > 50 * count + 1000:
            # Only when the products' own codes fill most of the space.
            raise InvalidArgumentError(
                "count", f"too few free codes of length {length} left beside the products' "
                         "existing ones: use a longer code or another prefix"
            )
        code = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
        if code.lower() not in taken:
            taken.add(code.lower())
            codes[code] = None
    return list(codes)


def _ambiguous(error: Exception) -> bool:
    """Whether the server may have made the code although the call failed."""
    if isinstance(error, APIConnectionError):
        return error.sent
    return isinstance(error, ServerError)


async def _create_one(
    service: OfferCodesService, item: BatchItem, template: dict[str, str]
) -> BatchItem:
    last = ""
    for _ in range(_ATTEMPTS):
        try:
            made = await service._create_from_fields(item.product_id, {"name": item.code,
                                                                       **template})
            return attrs.evolve(item, status="created", offer_code_id=made.id, message="")
        except (APIError, APIConnectionError) as error:
            last = str(error)
            if not _ambiguous(error):
                return attrs.evolve(item, status="failed", message=last)
        # The create may have gone through: look before sending it again.
        try:
            found = (await _existing_names(service, item.product_id)).get(item.code.lower())
        except (APIError, APIConnectionError) as error:
            return attrs.evolve(item, status="failed",
                                message=f"{last}; could not check afterwards: {error}")
        if found is not None and found.id:
            return attrs.evolve(item, status="created", offer_code_id=found.id,
                                message="found after an ambiguous failure")
    return attrs.evolve(item, status="failed", message=f"gave up after {_ATTEMPTS} tries: {last}")


class BatchOfferCodesService(OfferCodesService):
    """``GumroadClient.offer_codes``: the offer code calls, plus batches of them."""

    async def create_batch(
        self,
        product_ids: Sequence[str] | str,
        *,
        count: int,
        prefix: str = "",
        length: int = 8,
        alphabet: str = DEFAULT_ALPHABET,
        offer_type: OfferType | None = None,
        amount_off: int | float | None = None,
        amount_cents: int | None = None,
        universal: bool = False,
        max_purchase_count: int | None = 1,
        concurrency: int = 4,
        results: str | os.PathLike[str] | None = None,
        on_progress: Callable[[BatchItem], None] | None = None,
    ) -> BatchResult:
        """Create ``count`` unique random codes (``prefix`` + ``length`` characters of
        ``alphabet``) on each of ``product_ids``; one-time codes by default.

        Codes come from ``secrets`` and avoid every code the products already have.
        ``universal=True`` makes each code once, for every product (name one product).
        Impossible batches are refused before anything is sent. A create is never
        repeated blindly: after a timeout, a dropped connection or a 5xx the product's
        codes are listed to see whether it went through. With ``results`` (a CSV path),
        every step is recorded as it happens; running the same batch again with the same
        file resumes it with the same codes.
        """
        products = [product_ids] if isinstance(product_ids, str) else list(product_ids)
        if not products:
            raise InvalidArgumentError("product_ids", "name at least one product")
        products = list(dict.fromkeys(check_id("product_id", p) for p in products))
        if universal and len(products) > 1:
            raise InvalidArgumentError(
                "product_ids", "a universal code is made once: name one product"
            )
        count = check_whole_number("count", count, minimum=1)
        if count > MAX_BATCH:
            raise InvalidArgumentError("count", f"at most {MAX_BATCH:,} codes per batch")
        length = check_whole_number("length", length, minimum=1)
        prefix = _check_prefix(prefix)
        alphabet = _check_alphabet(alphabet)
        if len(prefix) + length > 64:
            raise InvalidArgumentError("length", "prefix and code together must stay within 64")
        space = len(alphabet) ** length
        if count > space // 2:
            raise InvalidArgumentError(
                "count", f"{count:,} codes need a longer code: length {length} over "
                         f"{len(alphabet)} characters gives {space:,} (at most half is drawn)"
            )
        concurrency = check_whole_number("concurrency", concurrency, minimum=1)
        # Checks the amount, type and counts; the name is checked per code below.
        template = offer_code_fields(
            name=prefix + alphabet[0] * length, offer_type=offer_type, amount_off=amount_off,
            amount_cents=amount_cents, universal=universal or None,
            max_purchase_count=max_purchase_count,
        )
        del template["name"]

        ledger = _ResultsFile(Path(results) if results is not None else None)
        known = ledger.read()
        existing = {p: await _existing_names(self, p) for p in products}
        codes = list(dict.fromkeys(code for code, _ in known))
        if known and len(codes) != count:
            raise InvalidArgumentError(
                "count",
                f"the results file {results} holds a batch of {len(codes)} codes, not {count}",
            )
        if not codes:
            codes = _draw(count, prefix, length, alphabet, existing)
            ledger.append([BatchItem(code, p, "planned") for code in codes for p in products])
        items = {
            (code, p): known.get((code, p)) or BatchItem(code, p, "planned")
            for code in codes for p in products
        }
        for key, item in items.items():
            if item.status != "created":
                found = existing[item.product_id].get(item.code.lower())
                if found is not None and found.id:
                    # Made by an earlier run whose answer was lost (or a kill before the row).
                    items[key] = attrs.evolve(item, status="created", offer_code_id=found.id,
                                              message="found after an interrupted run")
                    ledger.append([items[key]])

        gate = asyncio.Semaphore(concurrency)

        async def make(item: BatchItem) -> None:
            async with gate:
                done = await _create_one(self, item, template)
            items[(item.code, item.product_id)] = done
            ledger.append([done])
            if on_progress is not None:
                on_progress(done)

        pending = [i for i in items.values() if i.status != "created"]
        if on_progress is not None:
            for item in items.values():
                if item.status == "created":
                    on_progress(item)
        await asyncio.gather(*(make(item) for item in pending))
        return BatchResult(items=tuple(items[(c, p)] for c in codes for p in products))

    async def delete_batch(self, product_id: str, *, prefix: str, concurrency: int = 4) -> int:
        """Delete the product's offer codes whose names start with ``prefix``; returns how
        many were deleted."""
        product_id = check_id("product_id", product_id)
        prefix = _check_prefix(prefix)
        if not prefix:
            raise InvalidArgumentError("prefix", "must not be empty (it would match every code)")
        concurrency = check_whole_number("concurrency", concurrency, minimum=1)
        doomed = [c for c in await self.list(product_id).to_list()
                  if c.id and c.name and c.name.startswith(prefix)]
        gate = asyncio.Semaphore(concurrency)

        async def remove(code: OfferCode) -> None:
            async with gate:
                assert code.id is not None
                await self.delete(product_id, code.id)

        await asyncio.gather(*(remove(code) for code in doomed))
        return len(doomed)
