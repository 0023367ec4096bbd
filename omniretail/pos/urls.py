from django.urls import path

from . import views

app_name = "pos"

urlpatterns = [
    path("", views.index, name="index"),
    path("registers/<int:register_id>/open/", views.open_shift, name="open_shift"),
    path("shift/<int:shift_id>/", views.terminal, name="terminal"),
    path("shift/<int:shift_id>/scan/", views.scan, name="scan"),
    path("shift/<int:shift_id>/search/", views.search, name="search"),
    path("shift/<int:shift_id>/lines/<int:line_id>/", views.set_line, name="set_line"),
    path("shift/<int:shift_id>/lines/<int:line_id>/approve/", views.approve, name="approve"),
    path("shift/<int:shift_id>/coupon/", views.coupon, name="coupon"),
    path("shift/<int:shift_id>/refund/", views.refund, name="refund"),
    path("shift/<int:shift_id>/member/", views.member, name="member"),
    path("shift/<int:shift_id>/register-member/", views.register_member, name="register_member"),
    path("shift/<int:shift_id>/hold/", views.hold, name="hold"),
    path("shift/<int:shift_id>/resume/<int:cart_id>/", views.resume, name="resume"),
    path("shift/<int:shift_id>/pay/", views.pay, name="pay"),
    path("shift/<int:shift_id>/close/", views.close, name="close"),
    path("shift/<int:shift_id>/report/", views.z_report, name="z_report"),
    path("receipt/<int:sale_id>/", views.receipt, name="receipt"),
    path("receipt/<int:sale_id>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("receipt/<int:sale_id>/fapiao/", views.fapiao, name="fapiao"),
    path("e/<str:token>/", views.e_receipt, name="e_receipt"),
]
