"""Every field the server's presenters emit is declared on its record (nothing in ``extra``).

The lists below are copied by hand from Gumroad's server source (antiwork/gumroad, the 2025
snapshot); each names the file it was read from. A record that misses one of them fails here.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from _examples import EXAMPLE_RECORDS, MESSAGE_ONLY, example, example_names

from gumroad_async import (
    Card,
    CustomField,
    License,
    LicensePurchase,
    OfferCode,
    Product,
    ProductVariantOption,
    PurchasingPowerParity,
    RecurrencePrice,
    ResourceSubscription,
    Sale,
    SaleOfferCode,
    Sku,
    Subscriber,
    Upsell,
    User,
    Variant,
    VariantCategory,
)
from gumroad_async._converter import structure


def _words(text: str) -> list[str]:
    return text.split()


# app/models/purchase.rb, Purchase#as_json (version 2), every key any branch can add.
SALE = _words("""
id email seller_id timestamp daystamp created_at link_name product_name product_has_variants
price gumroad_fee is_bundle_purchase is_bundle_product_purchase subscription_duration
formatted_display_price transaction_url_for_seller formatted_total_price currency_symbol
amount_refundable_in_currency link_id product_id product_permalink refunded partially_refunded
chargedback purchase_email giftee_email gifter_email full_name street_address city state
zip_code country country_iso2 paid has_variants variants variants_and_quantity
has_custom_fields custom_fields order_id is_product_physical purchaser_id is_recurring_billing
can_contact is_following disputed dispute_won is_additional_contribution discover_fee_charged
is_upgrade_purchase ppp is_more_like_this_recommended is_gift_sender_purchase
is_gift_receiver_purchase referrer can_revoke_access can_undo_revoke_access can_update upsell
paypal_refund_expired card paypal_email product_rating reviews_count average_rating
subscription_id cancelled dead ended free_trial_ended free_trial_ends_on recurring_charge
preorder_cancelled is_preorder_authorization is_in_preorder_state shipped tracking_url
offer_code affiliate discover_fee_percentage receipt_url can_ping license_key license_id
license_disabled is_multiseat_license sku_id sku_external_id formatted_shipping_amount
quantity message
""")
# app/models/purchase.rb: the card, offer_code, affiliate hashes of as_json;
# app/models/purchase.rb ppp_info; app/models/upsell_purchase.rb as_json.
CARD = _words("visual type bin expiry_month expiry_year")
SALE_OFFER_CODE = _words("code displayed_amount_off name")
PPP = _words("country discount")
UPSELL = _words("name discount selected_product selected_version")
# app/modules/purchase/ping_notification.rb payload_for_ping_notification, merged with the
# WHITELIST_PURCHASE_ATTRIBUTES of app/controllers/api/v2/licenses_controller.rb.
LICENSE_PURCHASE = _words("""
seller_id product_id product_name permalink product_permalink short_product_id email price
gumroad_fee currency quantity discover_fee_charged can_contact referrer card order_number
sale_id sale_timestamp full_name purchaser_id subscription_id affiliate_credit_amount_cents
url_params variants offer_code test is_recurring_charge is_preorder_authorization
shipping_information name street_address city state zip_code country custom_fields
license_key is_multiseat_license ip_country shipping_rate recurrence affiliate
is_gift_receiver_purchase gift_price gifter_email sku_id original_sku_id refunded
resource_name disputed dispute_won id created_at chargebacked subscription_ended_at
subscription_cancelled_at subscription_failed_at
""")
# app/controllers/api/v2/licenses_controller.rb verify/success_with_license.
LICENSE = _words("uses purchase imported_customer")
# app/models/subscription.rb Subscription#as_json.
SUBSCRIBER = _words("""
id email product_id product_name user_id user_email purchase_ids created_at
user_requested_cancellation_at charge_occurrence_count recurrence cancelled_at ended_at
failed_at free_trial_ends_at status license_key
""")
# app/models/link.rb as_json_for_api (and as_json for the keys both share).
PRODUCT = _words("""
name description require_shipping preview_url custom_receipt customizable_price
custom_permalink subscription_duration id url price currency short_url thumbnail_url tags
formatted_price published file_info max_purchase_count deleted custom_fields custom_summary
is_tiered_membership recurrences variants is_preorder is_in_preorder_state release_at
purchasing_power_parity_prices custom_delivery_url sales_count sales_usd_cents external_id
recommendable rated_as_adult
""")
# app/models/link.rb as_json_for_api, the options of "variants".
PRODUCT_VARIANT_OPTION = _words("""
name price_difference is_pay_what_you_want recurrence_prices url
purchasing_power_parity_prices
""")
# app/models/variant.rb recurrence_price_values (both forms) and link.rb's ppp merge.
RECURRENCE_PRICE = _words("""
enabled price_cents suggested_price_cents price suggested_price purchasing_power_parity_prices
""")
# app/models/base_variant.rb as_json (not for views) and app/models/variant.rb as_json.
VARIANT = _words("""
id max_purchase_count name description price_difference_cents is_customizable_price
recurrence_price_values
""")
# app/models/sku.rb as_json (base_variant.rb plus custom_sku).
SKU = _words("id max_purchase_count name description price_difference_cents custom_sku")
# app/models/concerns/user/as_json.rb, with an API scope and view_profile.
USER = _words("""
name bio twitter_handle currency_type id user_id url links profile_url email display_name
""")
# app/models/custom_field.rb as_json.
CUSTOM_FIELD = _words("id type name required global collect_per_product products")
# app/models/offer_code.rb as_json_for_api (and as_json's "code").
OFFER_CODE = _words("id name code max_purchase_count universal times_used percent_off amount_cents")
# app/models/variant_category.rb as_json.
VARIANT_CATEGORY = _words("id title")
# app/models/resource_subscription.rb as_json.
RESOURCE_SUBSCRIPTION = _words("id resource_name post_url")

FIELD_LISTS: list[tuple[type[Any], list[str]]] = [
    (Sale, SALE),
    (Card, CARD),
    (SaleOfferCode, SALE_OFFER_CODE),
    (PurchasingPowerParity, PPP),
    (Upsell, UPSELL),
    (LicensePurchase, LICENSE_PURCHASE),
    (License, LICENSE),
    (Subscriber, SUBSCRIBER),
    (Product, PRODUCT),
    (ProductVariantOption, PRODUCT_VARIANT_OPTION),
    (RecurrencePrice, RECURRENCE_PRICE),
    (Variant, VARIANT),
    (Sku, SKU),
    (User, USER),
    (CustomField, CUSTOM_FIELD),
    (OfferCode, OFFER_CODE),
    (VariantCategory, VARIANT_CATEGORY),
    (ResourceSubscription, RESOURCE_SUBSCRIPTION),
]


def _plausible(cls: type[Any], key: str) -> Any:
    """A value of the right kind for the field sent as ``key`` (nested records get ``{}``)."""
    for field in attrs.fields(cls):
        if field.metadata.get("gumroad_wire_name", field.name) == key:
            text = str(field.type)
            if "tuple" in text:
                return []
            if "Mapping" in text or attrs.has(field.type) or any(
                name in text for name in ("Card", "Offer", "Affiliate", "Upsell", "Parity",
                                          "LicensePurchase")
            ):
                return {}
            for marker, value in (("datetime", "2021-01-05T19:38:56Z"), ("float", 4.5),
                                  ("str", "x"), ("int", 1), ("bool", True)):
                if marker in text:
                    return value
            return "x"
    return "undeclared"


@pytest.mark.parametrize(("cls", "keys"), FIELD_LISTS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_presenter_field_is_declared(cls: type[Any], keys: list[str]) -> None:
    assert len(keys) == len(set(keys))
    raw = {key: _plausible(cls, key) for key in keys}
    record = structure(raw, cls)
    assert record is not None
    assert dict(record.extra) == {}, f"{cls.__name__} lacks {sorted(record.extra)}"


def _all_extras(record: Any) -> list[tuple[str, Any]]:
    """The extras of a record and of every record nested in it."""
    found = [(type(record).__name__, key) for key in record.extra]
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        values = value.values() if isinstance(value, dict) else (
            value if isinstance(value, tuple) else [value])
        for item in values:
            if attrs.has(type(item)):
                found += _all_extras(item)
            elif isinstance(item, dict):
                found += [e for v in item.values() if attrs.has(type(v)) for e in _all_extras(v)]
    return found


def test_every_example_is_covered() -> None:
    assert set(example_names()) == set(EXAMPLE_RECORDS) | MESSAGE_ONLY


@pytest.mark.parametrize("name", sorted(EXAMPLE_RECORDS))
def test_every_documented_example_leaves_extra_empty(name: str) -> None:
    key, cls = EXAMPLE_RECORDS[name]
    payload = example(name)
    raw = payload if not key else payload[key]
    objects = raw if isinstance(raw, list) else [raw]
    assert objects
    for data in objects:
        record = structure(data, cls)
        assert record is not None
        extras = _all_extras(record)
        if cls is License:  # the envelope's own flag
            extras.remove(("License", "success"))
        assert extras == [], f"{name}: undeclared {extras}"
