"""Every body shape of the wire doc becomes the right exception (no I/O: the pure decoder)."""

from __future__ import annotations

import pytest

from gumroad_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from gumroad_async._responses import decode_answer, parse_retry_after

RID = {"X-Request-Id": "req-1"}


def test_success_returns_the_object() -> None:
    assert decode_answer(200, RID, b'{"success": true, "user": {}}') == {"success": True, "user": {}}


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("The sale was not found.", NotFoundError),
        ("The offer_code was unable to be modified.", UnprocessableEntityError),
        ("Purchase is already refunded.", UnprocessableEntityError),
    ],
)
def test_200_with_success_false(message: str, error: type[APIError]) -> None:
    with pytest.raises(error) as info:
        decode_answer(200, RID, f'{{"success": false, "message": "{message}"}}'.encode())
    assert type(info.value) is error
    assert info.value.status == 200
    assert info.value.message == message
    assert info.value.request_id == "req-1"


def test_400_status_error_shape() -> None:
    body = b'{"status": 400, "error": "Invalid page_key."}'
    with pytest.raises(BadRequestError) as info:
        decode_answer(400, {}, body)
    assert info.value.message == "Invalid page_key."
    assert info.value.body == {"status": 400, "error": "Invalid page_key."}


@pytest.mark.parametrize(("status", "error"), [(401, AuthenticationError), (403, PermissionDeniedError)])
def test_empty_401_and_403(status: int, error: type[APIError]) -> None:
    with pytest.raises(error) as info:
        decode_answer(status, {"WWW-Authenticate": 'Bearer realm="Gumroad"'}, b"", required_scope="view_sales")
    assert info.value.status == status
    assert info.value.message


def test_403_names_the_scope() -> None:
    with pytest.raises(PermissionDeniedError) as info:
        decode_answer(403, {}, b"", required_scope="view_sales")
    assert info.value.required_scope == "view_sales"
    assert "view_sales" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"success": false, "message": "That license does not exist for the provided product."}',
        b'{"success": false, "error": "Not found"}',
        b"<html><body><h1>404 Not Found</h1></body></html>",
        b"",
    ],
)
def test_404_shapes(body: bytes) -> None:
    with pytest.raises(NotFoundError) as info:
        decode_answer(404, {}, body)
    assert info.value.status == 404


def test_422_message() -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        decode_answer(422, {}, b'{"message": "Invalid price"}')
    assert info.value.message == "Invalid price"


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({}, None), ({"Retry-After": "2"}, 2.0), ({"Retry-After": "1.5"}, 1.5), ({"Retry-After": "soon"}, None)],
)
def test_429_plain_text(headers: dict[str, str], retry_after: float | None) -> None:
    with pytest.raises(RateLimitError) as info:
        decode_answer(429, headers, b"Retry later")
    assert info.value.retry_after == retry_after
    assert "Retry later" in info.value.message


def test_retry_after_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("body", [b"", b"<html>Bad gateway</html>", b'{"success": false, "message": "boom"}'])
def test_5xx(status: int, body: bytes) -> None:
    with pytest.raises(ServerError) as info:
        decode_answer(status, {}, body)
    assert info.value.status == status


@pytest.mark.parametrize("body", [b"", b"<html>ok</html>", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_2xx_that_is_not_a_json_object_is_an_api_error(body: bytes) -> None:
    with pytest.raises(APIError) as info:
        decode_answer(200, RID, body)
    assert type(info.value) is APIError
    assert info.value.status == 200
    assert info.value.request_id == "req-1"


def test_unknown_status_is_an_api_error() -> None:
    with pytest.raises(APIError) as info:
        decode_answer(418, {}, b"teapot")
    assert info.value.status == 418


def test_redirect_is_refused() -> None:
    with pytest.raises(APIError) as info:
        decode_answer(302, {"Location": "https://evil.example/"}, b"")
    assert "not followed" in info.value.message


def test_errors_pickle() -> None:
    import pickle

    error = RateLimitError("slow down", status=429, retry_after=3.0, request_id="r")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.retry_after, copy.status, str(copy)) == (
        RateLimitError, 3.0, 429, str(error)
    )


@pytest.mark.parametrize("decoder", ["stdlib_loads", "orjson_loads"])
@pytest.mark.parametrize("body", [
    b"[" * 1000 + b"]" * 1000,  # decodes (orjson) but is too deep to repr naively
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a": NaN}',
    b'{"a": 1e999}',
    b'{"a": "\\udc00"}',
    b"\xff" * 10,
])
@pytest.mark.parametrize("status", [200, 400, 500])
def test_no_body_escapes_as_a_raw_error(
    monkeypatch: pytest.MonkeyPatch, decoder: str, body: bytes, status: int
) -> None:
    from gumroad_async import _json

    loads = getattr(_json, decoder)
    assert loads is not None
    monkeypatch.setattr(_json, "loads", loads)
    with pytest.raises(APIError) as info:
        decode_answer(status, RID, body)
    assert info.value.status == status
    assert len(str(info.value)) < 1000
