from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("pick-list/", views.pick_list, name="pick_list"),
    path("pickup/", views.pickup_counter, name="pickup_counter"),
    path("returns/", views.return_desk, name="return_desk"),
    path("upload/", views.marketplace_upload, name="marketplace_upload"),
    path("dispatch/", views.dispatch_board, name="dispatch_board"),
    path("sla/", views.sla_report, name="sla_report"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:order_id>/", views.order_detail, name="order_detail"),
    path("<int:order_id>/action/<str:action>/", views.order_action, name="order_action"),
]
