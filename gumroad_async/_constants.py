"""Every default of the SDK, in one place."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.gumroad.com"
API_PREFIX = "/v2"
ACCESS_TOKEN_ENV = "GUMROAD_ACCESS_TOKEN"
BASE_URL_ENV = "GUMROAD_BASE_URL"

#: Seconds one attempt may take, end to end (connect, send, read the whole body).
DEFAULT_TIMEOUT = 30.0
#: Seconds to open a connection.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Retries after the first attempt (so at most ``max_retries + 1`` requests).
DEFAULT_MAX_RETRIES = 4
#: Seconds a call may spend retrying, all attempts and waits together.
DEFAULT_MAX_RETRY_TIME = 120.0
#: First backoff step in seconds; doubles per retry, full jitter, capped below.
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 30.0
#: A ``Retry-After`` longer than this raises ``RateLimitError`` instead of sleeping.
DEFAULT_MAX_RETRY_AFTER = 60.0
#: Requests in flight at once per client.
DEFAULT_MAX_CONCURRENCY = 16
#: Answers larger than this are refused (a Gumroad page is a few kB).
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024

SALES_PAGE_SIZE = 10
SUBSCRIBERS_PAGE_SIZE = 100
