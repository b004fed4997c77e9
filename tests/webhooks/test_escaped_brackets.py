"""Gumroad escapes `[` and `]` inside field names (`encode_brackets` in its ping worker):
names come back as the seller typed them."""

from __future__ import annotations

from _ping_wire import FORM, JSON, form_body, json_body, sale_params

from gumroad_async.webhooks import SaleEvent, nest_form, parse_ping

FIELDS = {"Size [EU]": "42", "Note ] [x": "n", "[ref]": "r", "plain": "p"}


def test_the_wire_escapes_brackets_inside_names() -> None:
    body = form_body(sale_params("s1", custom_fields={"Size [EU]": "42"})).decode()
    assert "custom_fields%5BSize%20%255BEU%255D%5D=42" in body  # as the server sends it


def test_custom_fields_and_variants_keep_their_brackets() -> None:
    params = sale_params("s1", custom_fields=FIELDS, variants={"Size [EU]": "L"})
    for body, content_type in ((form_body(params), FORM), (json_body(params), JSON)):
        event = parse_ping(body, content_type)
        assert isinstance(event, SaleEvent)
        assert event.custom_fields == FIELDS
        assert event.variants == {"Size [EU]": "L"}
        assert event.extra["Size [EU]"] == "42"  # the top-level copy too
        assert "Size %5BEU%5D" not in event.extra


def test_nest_form_unescapes_names_at_every_level() -> None:
    pairs = [("a%5B1%5D[b%5Bc%5D]", "x"), ("list[]", "1"), ("k%5d", "y")]
    assert nest_form(pairs) == {"a[1]": {"b[c]": "x"}, "list": ["1"], "k]": "y"}
