"""CSV text as every CSV the package writes spells it: rows ending in ``\\n``, a cell
quoted when it holds a comma, a quote, ``\\n`` or ``\\r``, on every Python version."""

from __future__ import annotations

import csv
import types
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["csv_text"]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV text, each ending in ``\\n``."""
    # The writer is given "\r\n" as its line end: before Python 3.13 it quotes only the line
    # end's characters (and commas and quotes), so with "\n" a cell with a bare "\r" would be
    # written unquoted, and CSV readers (Python's own included) refuse it or split the row
    # there. It writes each row with one call, so its "\r\n" ends each piece.
    lines: list[str] = []
    csv.writer(types.SimpleNamespace(write=lines.append), lineterminator="\r\n"
               ).writerows(rows)
    return "".join([line[:-2] + "\n" for line in lines])
