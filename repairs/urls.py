from django.urls import path

from repairs.views import exports as export_views
from repairs.views import history as history_views
from repairs.views import loans as loan_views
from repairs.views import purchasing as purchasing_views
from repairs.views import stock as stock_views
from repairs.views import tickets as ticket_views

app_name = "repairs"
urlpatterns: list = [
    # tickets
    path("tickets/", ticket_views.ticket_list, name="ticket_list"),
    path("tickets/export.csv", export_views.ticket_export, name="ticket_export"),
    path("tickets/mine/", ticket_views.ticket_queue_mine, name="ticket_queue_mine"),
    path(
        "tickets/location/<int:location_id>/",
        ticket_views.ticket_queue_location,
        name="ticket_queue_location",
    ),
    path("tickets/open/", ticket_views.ticket_open, name="ticket_open"),
    path("tickets/intake/", ticket_views.ticket_intake, name="ticket_intake"),
    path("tickets/<int:ticket_id>/", ticket_views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:ticket_id>/work-order/", ticket_views.ticket_work_order, name="ticket_work_order"),
    path("tickets/<int:ticket_id>/history/", history_views.ticket_history, name="ticket_history"),
    path("tickets/<int:ticket_id>/parts/issue/", ticket_views.ticket_issue_part, name="ticket_issue_part"),
    path("tickets/<int:ticket_id>/transition/", ticket_views.ticket_transition, name="ticket_transition"),
    path("tickets/<int:ticket_id>/assign/", ticket_views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:ticket_id>/escalate/", ticket_views.ticket_escalate, name="ticket_escalate"),
    path("tickets/<int:ticket_id>/vendor/", ticket_views.ticket_update_vendor, name="ticket_update_vendor"),
    path("tickets/<int:ticket_id>/work/", ticket_views.ticket_record_work, name="ticket_record_work"),
    path(
        "tickets/<int:ticket_id>/loaner/",
        ticket_views.ticket_loaner_check_out,
        name="ticket_loaner_check_out",
    ),
    path(
        "tickets/<int:ticket_id>/loaner/return/",
        ticket_views.ticket_loaner_return,
        name="ticket_loaner_return",
    ),
    # parts and stock
    path("parts/", stock_views.part_list, name="part_list"),
    path("parts/export.csv", export_views.part_export, name="part_export"),
    path("parts/<int:part_id>/", stock_views.part_detail, name="part_detail"),
    path("parts/<int:part_id>/history/", history_views.part_history, name="part_history"),
    path("stock/", stock_views.stock_list, name="stock_list"),
    path("stock/export.csv", export_views.stock_export, name="stock_export"),
    path("stock/low/", stock_views.stock_low, name="stock_low"),
    path("stock/movements/", stock_views.stock_movement_list, name="stock_movement_list"),
    path("stock/movements/export.csv", export_views.stock_movement_export, name="stock_movement_export"),
    path("stock/usage/", stock_views.stock_usage, name="stock_usage"),
    path("stock/adjust/", stock_views.stock_adjust, name="stock_adjust"),
    path("stock/transfer/", stock_views.stock_transfer, name="stock_transfer"),
    # purchase orders
    path("purchase-orders/", purchasing_views.purchase_order_list, name="purchase_order_list"),
    path("purchase-orders/export.csv", export_views.purchase_order_export, name="purchase_order_export"),
    path("purchase-orders/new/", purchasing_views.purchase_order_create, name="purchase_order_create"),
    path(
        "purchase-orders/<int:order_id>/",
        purchasing_views.purchase_order_detail,
        name="purchase_order_detail",
    ),
    path(
        "purchase-orders/<int:order_id>/history/",
        history_views.purchase_order_history,
        name="purchase_order_history",
    ),
    path(
        "purchase-orders/<int:order_id>/send/",
        purchasing_views.purchase_order_send,
        name="purchase_order_send",
    ),
    path(
        "purchase-orders/<int:order_id>/cancel/",
        purchasing_views.purchase_order_cancel,
        name="purchase_order_cancel",
    ),
    path(
        "purchase-orders/<int:order_id>/receive/",
        purchasing_views.purchase_order_receive,
        name="purchase_order_receive",
    ),
]


# Mounted at fleet/ under the "loans" namespace (config/urls.py): the loaner pages kept the
# addresses they had when loans belonged to the fleet.
loan_urlpatterns = [
    path("loaners/", loan_views.loaner_pool_list, name="loaner_pool_list"),
    path("loaners/due/", loan_views.loan_due_list, name="loan_due_list"),
    path("loaners/<int:location_id>/", loan_views.loaner_pool, name="loaner_pool"),
    path("loaners/<int:location_id>/check-out/", loan_views.loan_check_out, name="loan_check_out"),
    path("loans/<int:loan_id>/return/", loan_views.loan_return, name="loan_return"),
]
