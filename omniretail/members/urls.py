from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<int:member_id>/", views.profile, name="profile"),
]
