from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("risk/", views.risk_queue, name="risk_queue"),
    path("risk/<int:flag_id>/review/", views.risk_review, name="risk_review"),
    path("risk/rules/<str:code>/", views.risk_threshold, name="risk_threshold"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
