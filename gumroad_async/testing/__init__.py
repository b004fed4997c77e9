"""A fake Gumroad API v2 for tests: ``async with FakeGumroad() as fake: ...``.

It runs an ``aiohttp.web`` server on ``127.0.0.1`` holding an in-memory account, so that an
integration can be tested end to end, over real HTTP, without a Gumroad account. With
pytest, the ``fake_gumroad`` fixture comes from ``gumroad_async.testing.pytest_plugin``.
"""

from gumroad_async.testing._faults import EDGE_FAULTS, EdgeAnswer, Fault, RecordedRequest
from gumroad_async.testing._server import FakeGumroad

__all__ = ["EDGE_FAULTS", "EdgeAnswer", "FakeGumroad", "Fault", "RecordedRequest"]
