from django.urls import path

from . import campaign_views, views

app_name = "promotions"

urlpatterns = [
    path("", views.promotion_list, name="promotion_list"),
    path("try/", views.try_cart, name="try_cart"),
    path("<int:promotion_id>/edit/", views.promotion_edit, name="promotion_edit"),
    path("calendar/", views.promotion_calendar, name="calendar"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/<str:action>/",
        campaign_views.campaign_action,
        name="campaign_action",
    ),
    path("segments/new/", campaign_views.segment_new, name="segment_new"),
]
