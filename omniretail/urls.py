from django.contrib import admin
from django.urls import include, path

from omniretail.api import api
from omniretail.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("catalog/", include("omniretail.catalog.urls")),
    path("inventory/", include("omniretail.inventory.urls")),
    path("members/", include("omniretail.members.urls")),
    path("promotions/", include("omniretail.promotions.urls")),
    path("orders/", include("omniretail.orders.urls")),
    path("payments/", include("omniretail.payments.urls")),
    path("pos/", include("omniretail.pos.urls")),
    path("analytics/", include("omniretail.analytics.urls")),
    path("shop/", include("omniretail.storefront.urls")),
    path("", include("omniretail.web.urls")),
]
