"""One service per Gumroad resource; reach them as attributes of ``GumroadClient``."""

from gumroad_async.services._offer_code_batches import BatchOfferCodesService
from gumroad_async.services.custom_fields import CustomFieldsService
from gumroad_async.services.licenses import LicensesService
from gumroad_async.services.offer_codes import OfferCodesService
from gumroad_async.services.products import ProductsService
from gumroad_async.services.resource_subscriptions import ResourceSubscriptionsService
from gumroad_async.services.sales import SalesService
from gumroad_async.services.subscribers import SubscribersService
from gumroad_async.services.user import UserService
from gumroad_async.services.variant_categories import VariantCategoriesService
from gumroad_async.services.variants import VariantsService

__all__ = [
    "BatchOfferCodesService",
    "CustomFieldsService",
    "LicensesService",
    "OfferCodesService",
    "ProductsService",
    "ResourceSubscriptionsService",
    "SalesService",
    "SubscribersService",
    "UserService",
    "VariantCategoriesService",
    "VariantsService",
]
