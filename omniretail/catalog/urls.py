from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("skus/new/", views.sku_create, name="sku_create"),
    path("skus/<int:sku_id>/", views.sku_detail, name="sku_detail"),
    path("skus/<int:sku_id>/price/", views.sku_price, name="sku_price"),
    path("skus/<int:sku_id>/status/", views.sku_status, name="sku_status"),
    path("import/", views.import_upload, name="import"),
    path("export/", views.export, name="export"),
]
