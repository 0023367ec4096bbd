from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_overview, name="stock_overview"),
    path("card/<int:sku_id>/<int:location_id>/", views.stock_card, name="stock_card"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer_detail"),
    path(
        "transfers/<int:transfer_id>/<slug:action>/",
        views.transfer_action,
        name="transfer_action",
    ),
    path("counts/", views.count_list, name="count_list"),
    path("counts/<int:count_id>/", views.count_detail, name="count_detail"),
]
