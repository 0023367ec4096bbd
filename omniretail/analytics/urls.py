from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chart/<slug:name>.csv", views.chart_csv, name="chart_csv"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<slug:code>.<slug:fmt>", views.report_download, name="report_download"),
    path("basket/", views.basket_view, name="basket"),
    path("segments/", views.segments_view, name="segments"),
    path("alerts/", views.alert_list, name="alerts"),
    path("quality/", views.quality_view, name="quality"),
]
