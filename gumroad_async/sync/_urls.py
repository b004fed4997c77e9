"""Plain database URLs (``sqlite:///x.db``, ``postgresql://u@h/db``) to async driver URLs."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

from gumroad_async.errors import InvalidArgumentError

__all__ = ["DEFAULT_DATABASE_URL", "async_url", "describe_url"]

#: Where the mirror goes when no URL is given: a SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///gumroad.db"

_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_ALIASES = {"postgres": "postgresql", "sqlite3": "sqlite"}


def async_url(url: str) -> URL:
    """The SQLAlchemy URL with the async driver for ``url``.

    ``sqlite:///path.db`` and ``postgresql://user@host:port/db`` (or ``postgres://``) are
    the supported forms; a bare path is taken as a SQLite file. Which driver runs underneath
    is the library's business, so a ``+driver`` part given by the caller must be the async
    one we use.
    """
    if "://" not in url:
        url = f"sqlite:///{url}"
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy's ArgumentError, with a message worth keeping
        raise InvalidArgumentError("db", f"not a database URL: {exc}") from None
    # Split by hand: SQLAlchemy's getters load the dialect, which fails for aliases.
    name, _, given = parsed.drivername.partition("+")
    backend = _ALIASES.get(name, name)
    driver = _DRIVERS.get(backend)
    if driver is None:
        raise InvalidArgumentError(
            "db", f"unsupported database {backend!r}: use sqlite:///path.db or "
                  "postgresql://user@host:port/dbname"
        )
    if given and given != driver:
        raise InvalidArgumentError("db", f"{backend} is used through {driver}, not {given}")
    query = dict(parsed.query)
    if backend == "postgresql" and "sslmode" in query:
        # libpq's spelling; asyncpg calls it ``ssl``.
        query["ssl"] = query.pop("sslmode")
    return parsed.set(drivername=f"{backend}+{driver}", query=query)


def describe_url(url: URL) -> str:
    """The URL for messages, without its password."""
    return url.render_as_string(hide_password=True)
