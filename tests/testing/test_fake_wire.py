"""The fake's fast paths give what the plain formulas give (display strings, money, keys)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from gumroad_async._json import dumps
from gumroad_async.testing._sales import SalesBook
from gumroad_async.testing._wire import (
    daystamp,
    decode_page_key,
    encode_page_key,
    format_money,
    refund_amount_cents,
    time_ago_in_words,
)

PACIFIC = ZoneInfo("America/Los_Angeles")


def test_daystamp_is_the_sellers_local_time() -> None:
    rng = random.Random(1)
    epochs = [rng.randrange(1_500_000_000, 1_800_000_000) for _ in range(3000)]
    # Around the 2024 daylight saving changes, hour by hour.
    epochs += [int(datetime(2024, 3, 10, 8, tzinfo=UTC).timestamp()) + h * 1800 for h in range(8)]
    epochs += [int(datetime(2024, 11, 3, 7, tzinfo=UTC).timestamp()) + h * 1800 for h in range(8)]
    for epoch in epochs:
        local = datetime.fromtimestamp(epoch, PACIFIC)
        assert daystamp(epoch) == local.strftime("%e %b %Y %l:%M %p"), epoch


def test_cached_timestamps_equal_the_exact_words() -> None:
    book = SalesBook({}, lambda _: False)
    rng = random.Random(2)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp() + rng.random() * 3600
    for _ in range(20_000):
        epoch = int(now - rng.random() * 4 * 365 * 86400 * rng.choice((1, 0.01, 0.0001)))
        assert book._timestamp(epoch, now) == dumps(time_ago_in_words(epoch, now)), epoch


def test_time_ago_in_words_buckets() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC).timestamp()
    ago = {seconds: time_ago_in_words(now - seconds, now) for seconds in (
        10, 60, 20 * 60, 60 * 60, 5 * 3600, 30 * 3600, 10 * 86400, 40 * 86400, 200 * 86400,
        400 * 86400, 600 * 86400, 700 * 86400)}
    assert list(ago.values()) == [
        "less than a minute ago", "1 minute ago", "20 minutes ago", "about 1 hour ago",
        "about 5 hours ago", "1 day ago", "10 days ago", "about 1 month ago", "7 months ago",
        "about 1 year ago", "over 1 year ago", "almost 2 years ago"]


def test_money_and_refund_amounts() -> None:
    assert [format_money(c) for c in (1000, 750, 0, 123456, 5)] == [
        "10", "7.50", "0", "1,234.56", "0.05"]
    assert format_money(1500, "jpy", symbol="¥") == "¥1,500"
    assert refund_amount_cents("29", "usd") == 29  # 0.29 * 100, no float truncation
    assert refund_amount_cents("50000", "jpy") == 500
    assert refund_amount_cents("12.9", "usd") == 12  # `to_i`
    assert refund_amount_cents("x", "usd") == 0


def test_page_keys_round_trip() -> None:
    epoch = int(datetime(2024, 1, 5, 19, 38, 56, tzinfo=UTC).timestamp())
    key = encode_page_key(epoch, 42)
    assert key.startswith("20240105193856000000-")
    assert decode_page_key(key) == (float(epoch), 42)
