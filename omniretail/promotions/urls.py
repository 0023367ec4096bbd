from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("", views.promotion_list, name="promotion_list"),
    path("try/", views.try_cart, name="try_cart"),
    path("<int:promotion_id>/edit/", views.promotion_edit, name="promotion_edit"),
    path("calendar/", views.promotion_calendar, name="calendar"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
]
