"""Hiding credentials that users put in URLs (``post_url=https://...?secret=...``).

Gumroad pings carry no signature, so a webhook URL usually holds a secret in its query.
Such URLs are shown redacted in every ``repr`` and error message of the SDK.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

__all__ = ["REDACTED", "redact_text", "redact_url"]

REDACTED = "***"

#: Parts of parameter names that mark a credential (``secret``, ``api_key``, ``sig`` ...).
_CREDENTIAL_MARKERS = (
    "secret", "token", "key", "pass", "pwd", "sig", "auth", "credential", "session",
    "code", "hmac", "nonce",
)


def _is_credential(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    return any(marker in lowered for marker in _CREDENTIAL_MARKERS)


def _redact_pairs(text: str) -> str:
    pairs = []
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        pairs.append(f"{name}={REDACTED}" if equals and value and _is_credential(name) else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """``url`` with the values of credential-looking query (and fragment) parameters and any
    password in its user info replaced by ``***``; other text is left as it was."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        # Not a URL we can take apart: hide everything after the path.
        head, _, rest = url.partition("?")
        return f"{head}?{REDACTED}" if rest else url
    netloc = parts.netloc
    if password:
        user, _, host = netloc.rpartition("@")
        name = user.partition(":")[0]
        netloc = f"{name}:{REDACTED}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_pairs(parts.query),
                       _redact_pairs(parts.fragment)))


def redact_text(text: str, url: str) -> str:
    """``text`` with every copy of ``url`` in it redacted (for messages that echo it)."""
    safe = redact_url(url)
    return text if safe == url else text.replace(url, safe)
