from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("<int:member_id>/", views.profile, name="profile"),
]
