"""How Gumroad's server writes and reads values on the wire: ids, cursors, money, times.

Each helper names the server code it follows (paths in antiwork/gumroad).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import time
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SINGLE_UNIT_CURRENCIES",
    "PageKeyError",
    "daystamp",
    "decode_page_key",
    "decrypt_numeric",
    "distance_text",
    "encode_page_key",
    "encrypt_numeric",
    "external_id_decodes",
    "format_money",
    "march_year",
    "parse_timestamp",
    "refund_amount_cents",
    "time_ago_in_words",
]

# config/currencies.json: only the yen has no minor unit.
SINGLE_UNIT_CURRENCIES = frozenset({"jpy"})
# db/schema.rb users.timezone: a seller's default time zone.
try:
    SELLER_TIME_ZONE: tzinfo = ZoneInfo("America/Los_Angeles")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data
    SELLER_TIME_ZONE = UTC

_NUMERIC_KEY = 7_919
_NUMERIC_OFFSET = 524_000_003


def encrypt_numeric(number: int) -> int:
    """The fake's ``ObfuscateIds.encrypt_numeric``: a database id as a public number.

    Sales' ``order_id`` and the numeric half of a cursor are this, as on the server.
    """
    return number * _NUMERIC_KEY + _NUMERIC_OFFSET


def decrypt_numeric(public: int) -> int:
    """The inverse of ``encrypt_numeric`` (any number decrypts to some id, as there)."""
    return (public - _NUMERIC_OFFSET) // _NUMERIC_KEY


def external_id_decodes(external_id: str) -> bool:
    """Whether ``ObfuscateIds.decrypt`` could read this product id (urlsafe base64 of a
    16-byte block); an id that cannot be read answers 400 ``Invalid product ID.``."""
    try:
        raw = base64.urlsafe_b64decode(external_id.encode("ascii"))
    except (binascii.Error, UnicodeError, ValueError):
        return False
    return len(raw) == 16


class PageKeyError(ValueError):
    """``decode_page_key`` raised ``ArgumentError``: the server answers 400."""


def encode_page_key(epoch: int, number: int) -> str:
    """``Api::V2::BaseController#encode_page_key``: ``created_at.to_fs(:usec)`` (UTC digits
    to the microsecond), ``-``, the obfuscated numeric id of the page's last record."""
    moment = time.gmtime(epoch)
    year, month, day, hour, minute, second = moment[:6]
    if not 1000 <= year <= 9999:  # %Y is not four digits then
        return f"{time.strftime('%Y%m%d%H%M%S', moment)}000000-{encrypt_numeric(number)}"
    # One %-format call: a third cheaper than f-string format specs, on every page.
    key = "%d%02d%02d%02d%02d%02d000000-%d" % (  # noqa: UP031
        year, month, day, hour, minute, second, number * _NUMERIC_KEY + _NUMERIC_OFFSET)
    # A client follows the cursor it was just given: remember what it decodes to (the
    # canonical shape reads back as exactly this epoch and id).
    if len(_ISSUED) >= _ISSUED_LIMIT:
        _ISSUED.clear()
    _ISSUED[key] = (float(epoch), number)
    return key


# Cursors lately issued -> what `decode_page_key` gives for them.
_ISSUED: dict[str, tuple[float | None, int]] = {}
_ISSUED_LIMIT = 4096


_LEADING_INT = re.compile(r"\s*[-+]?\d+")
_DIGITS_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?")


def decode_page_key(key: str) -> tuple[float | None, int]:
    """``decode_page_key``: the bound ``(created_at epoch, id)`` a cursor selects below.

    Like the server: the key is split on ``-`` and only its first two parts count; a
    numeric part that ``to_i`` reads as 0 (missing, not digits) raises
    (``PageKeyError``: 400 ``Invalid page_key.``), and so does a date out of range. A date
    part with nothing to parse gives ``None``: ``created_at <= NULL`` then matches no row.
    """
    issued = _ISSUED.get(key)
    if issued is not None:
        return issued
    date_part, _, numeric_part = key.partition("-")
    # The shape the fake writes (20 digits, "-", digits): read by slicing, which gives what
    # the general reading below gives for it.
    if (len(date_part) == 20 and numeric_part.isdigit() and date_part.isdigit()
            and date_part.isascii() and numeric_part.isascii()):
        public = int(numeric_part)
        if public == 0:
            raise PageKeyError("Invalid page_key.")
        # Digit groups by arithmetic: one int() instead of one per group.
        year, rest = divmod(int(date_part[:14]), 10_000_000_000)
        month, rest = divmod(rest, 100_000_000)
        day, rest = divmod(rest, 1_000_000)
        hour, rest = divmod(rest, 10_000)
        minute, second = divmod(rest, 100)
        try:
            moment = datetime(year, month, day, hour, minute, second, int(date_part[14:]),
                              tzinfo=UTC)
        except ValueError:
            raise PageKeyError("Invalid page_key.") from None  # "argument out of range"
        return moment.timestamp(), decrypt_numeric(public)
    return _decode_any_page_key(key)


def _decode_any_page_key(key: str) -> tuple[float | None, int]:
    parts = key.split("-")
    date_part = parts[0]
    numeric_part = parts[1] if len(parts) > 1 else ""
    found = _LEADING_INT.match(numeric_part)
    public = int(found.group()) if found else 0  # Ruby's String#to_i
    if public == 0:
        raise PageKeyError("Invalid page_key.")
    # The shape the server writes, read without a regular expression.
    if len(date_part) == 20 and date_part.isascii() and date_part.isdigit():
        return _parse_time(f"{date_part[:14]}.{date_part[14:]}"), decrypt_numeric(public)
    return _parse_time(re.sub(r"(\d{6})\Z", r".\1", date_part)), decrypt_numeric(public)


def _parse_time(text: str) -> float | None:
    # What Time.zone.parse makes of the cursor's digits; other text it cannot read is nil.
    found = _DIGITS_TIME.fullmatch(text.strip())
    if found is None:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    year, month, day, hour, minute, second, fraction = found.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), int((fraction or "0").ljust(6, "0")), tzinfo=UTC)
    except ValueError:
        raise PageKeyError("Invalid page_key.") from None  # "argument out of range"
    return moment.timestamp()


def format_money(cents: int, currency: str = "usd", *, symbol: str = "") -> str:
    """``Money#format(no_cents_if_whole: true)``: ``"10"`` for 1000 cents, ``"7.50"``,
    ``"1,234.56"``; a single-unit currency has no decimals."""
    if currency in SINGLE_UNIT_CURRENCIES:
        return f"{symbol}{cents:,}"
    whole, minor = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    if minor == 0:
        return f"{sign}{symbol}{whole:,}"
    return f"{sign}{symbol}{whole:,}.{minor:02d}"


def refund_amount_cents(amount_cents: str, currency: str) -> int:
    """What ``PUT /v2/sales/:id/refund`` refunds for ``amount_cents``.

    ``sales_controller.rb#refund``: ``params[:amount_cents].to_i / 100.0`` is an amount in
    the sale's currency; ``Purchase#refunding_amount_cents`` scales it back by the
    currency's unit (100, or 1 for the yen, so 500 is 5 yen) and truncates.
    """
    found = _LEADING_INT.match(amount_cents)
    whole = int(found.group()) if found else 0
    amount = Decimal(repr(whole / 100.0))
    factor = 1 if currency in SINGLE_UNIT_CURRENCIES else 100
    return int(amount * factor)


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")
_OFFSETS: dict[int, int] = {}


def daystamp(epoch: int) -> str:
    """``created_at.in_time_zone(seller.timezone).to_fs(:long_formatted_datetime)``:
    ``"%e %b %Y %l:%M %p"``, e.g. ``" 5 Jan 2021 11:38 AM"``."""
    hour = epoch // 3600
    offset = _OFFSETS.get(hour)
    if offset is None:  # the zone's offset changes on the hour: one lookup per hour
        delta = datetime.fromtimestamp(epoch, SELLER_TIME_ZONE).utcoffset()
        offset = _OFFSETS[hour] = int(delta.total_seconds()) if delta else 0
    local = time.gmtime(epoch + offset)
    twelve = local.tm_hour % 12 or 12
    noon = "PM" if local.tm_hour >= 12 else "AM"
    return (f"{local.tm_mday:2d} {_MONTHS[local.tm_mon]} {local.tm_year} {twelve:2d}:"
            f"{local.tm_min:02d} {noon}")


def time_ago_in_words(epoch: float, now: float) -> str:
    """Rails' ``"#{time_ago_in_words(created_at)} ago"`` (``distance_of_time_in_words``)."""
    start, end = min(epoch, now), max(epoch, now)
    return distance_text(round((end - start) / 60), march_year(start), march_year(end) - 1)


def distance_text(minutes: int, from_year: int, to_year: int) -> str:
    """``distance_of_time_in_words`` for a distance in minutes, then `` ago``; past a year
    the leap days between ``from_year`` and ``to_year`` count, as in Rails."""
    if minutes <= 1:
        text = "less than a minute" if minutes == 0 else "1 minute"
    elif minutes < 45:
        text = f"{minutes} minutes"
    elif minutes < 90:
        text = "about 1 hour"
    elif minutes < 1440:
        text = f"about {round(minutes / 60)} hours"
    elif minutes < 2520:
        text = "1 day"
    elif minutes < 43200:
        text = f"{round(minutes / 1440)} days"
    elif minutes < 86400:
        months = round(minutes / 43200)
        text = f"about {months} month{'s' if months > 1 else ''}"
    elif minutes < 525600:
        text = f"{round(minutes / 43200)} months"
    else:
        text = _years(minutes, from_year, to_year)
    return f"{text} ago"


# March 1st of each year (UTC): where a year's leap day is behind or ahead of a time.
_MARCH_FIRST_YEAR0 = 1900
_MARCH_FIRSTS = [datetime(y, 3, 1, tzinfo=UTC).timestamp() for y in range(1900, 2201)]


def march_year(epoch: float) -> int:
    """The first year whose leap day comes after ``epoch`` (Rails' ``from_year``)."""
    return _MARCH_FIRST_YEAR0 + bisect.bisect_right(_MARCH_FIRSTS, epoch)


def _leaps(year: int) -> int:
    return year // 4 - year // 100 + year // 400


def _years(minutes: int, from_year: int, to_year: int) -> str:
    leap_days = max(0, _leaps(to_year) - _leaps(from_year - 1))
    years, remainder = divmod(minutes - leap_days * 1440, 525600)
    if remainder < 131400:
        return f"about {years} year{'s' if years > 1 else ''}"
    if remainder < 394200:
        return f"over {years} year{'s' if years > 1 else ''}"
    return f"almost {years + 1} years"


def parse_timestamp(value: str) -> float:
    """An ISO 8601 time (``Z`` or an offset; UTC when it has neither) as epoch seconds."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def midnight_epoch(day: date) -> int:
    """A ``YYYY-MM-DD`` filter as the database compares it: midnight UTC."""
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def iso_utc(epoch: int) -> str:
    """``created_at`` as the server's JSON writes it (``time_precision = 0``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
