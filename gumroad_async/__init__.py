"""gumroad_async: an asyncio SDK for the Gumroad API v2.

```python
from gumroad_async import GumroadClient

async with GumroadClient("token") as gumroad:
    async for sale in gumroad.sales.list(after="2024-01-01"):
        print(sale.id, sale.price)
```
"""

from gumroad_async._pagination import Listing, Page
from gumroad_async._scopes import Scope
from gumroad_async._version import __version__
from gumroad_async.client import GumroadClient
from gumroad_async.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GumroadError,
    InvalidArgumentError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from gumroad_async.records import (
    Affiliate,
    Card,
    CustomField,
    License,
    LicensePurchase,
    OfferCode,
    Product,
    ProductVariant,
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
from gumroad_async.services._offer_code_batches import BatchItem, BatchResult

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "Affiliate",
    "AuthenticationError",
    "BadRequestError",
    "BatchItem",
    "BatchResult",
    "Card",
    "CustomField",
    "GumroadClient",
    "GumroadError",
    "InvalidArgumentError",
    "License",
    "LicensePurchase",
    "Listing",
    "NotFoundError",
    "OfferCode",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "Product",
    "ProductVariant",
    "ProductVariantOption",
    "PurchasingPowerParity",
    "RateLimitError",
    "RecurrencePrice",
    "ResourceSubscription",
    "Sale",
    "SaleOfferCode",
    "Scope",
    "ServerError",
    "Sku",
    "Subscriber",
    "UnprocessableEntityError",
    "Upsell",
    "User",
    "Variant",
    "VariantCategory",
    "__version__",
]
