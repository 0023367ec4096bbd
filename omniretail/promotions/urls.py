from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("", views.promotion_list, name="promotion_list"),
    path("try/", views.try_cart, name="try_cart"),
]
