from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("skus/<int:sku_id>/", views.sku_detail, name="sku_detail"),
    path("import/", views.import_upload, name="import"),
]
