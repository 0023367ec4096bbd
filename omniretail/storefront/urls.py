from django.urls import path

from . import views

app_name = "storefront"

urlpatterns = [
    path("", views.index, name="index"),
    path("stores/", views.stores, name="stores"),
    path("stores/choose/", views.choose_store, name="choose_store"),
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<str:number>/", views.order_page, name="order"),
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    path("register/", views.register, name="register"),
    path("account/", views.account, name="account"),
    path("account/export.<str:fmt>", views.export, name="export"),
    path("account/consent/", views.consent, name="consent"),
    path("account/delete/", views.delete_account, name="delete"),
]
