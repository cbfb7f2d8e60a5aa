from django.urls import path

from repairs.api import history as history_views
from repairs.api import stock as stock_views
from repairs.api import tickets as ticket_views

urlpatterns: list = [
    # tickets
    path("tickets/", ticket_views.TicketListApi.as_view(), name="ticket-list"),
    path("tickets/<int:ticket_id>/", ticket_views.TicketDetailApi.as_view(), name="ticket-detail"),
    path(
        "tickets/<int:ticket_id>/history/",
        history_views.TicketHistoryListApi.as_view(),
        name="ticket-history",
    ),
    path(
        "tickets/<int:ticket_id>/transition/",
        ticket_views.TicketTransitionApi.as_view(),
        name="ticket-transition",
    ),
    # parts and stock
    path("tickets/<int:ticket_id>/parts/", stock_views.TicketPartsApi.as_view(), name="ticket-parts"),
    path("parts/", stock_views.PartListApi.as_view(), name="part-list"),
    path("parts/<int:part_id>/history/", history_views.PartHistoryListApi.as_view(), name="part-history"),
    path("stock/", stock_views.StockLevelListApi.as_view(), name="stock-level-list"),
    path("stock-movements/", stock_views.StockMovementListApi.as_view(), name="stock-movement-list"),
    path("stock/harvest/", stock_views.StockHarvestApi.as_view(), name="stock-harvest"),
    # purchase orders
    path("purchase-orders/", stock_views.PurchaseOrderListApi.as_view(), name="purchase-order-list"),
    path(
        "purchase-orders/<int:order_id>/",
        stock_views.PurchaseOrderDetailApi.as_view(),
        name="purchase-order-detail",
    ),
    path(
        "purchase-orders/<int:order_id>/history/",
        history_views.PurchaseOrderHistoryListApi.as_view(),
        name="purchase-order-history",
    ),
    path(
        "purchase-orders/<int:order_id>/send/",
        stock_views.PurchaseOrderSendApi.as_view(),
        name="purchase-order-send",
    ),
    path(
        "purchase-orders/<int:order_id>/receive/",
        stock_views.PurchaseOrderReceiveApi.as_view(),
        name="purchase-order-receive",
    ),
    path(
        "purchase-orders/<int:order_id>/cancel/",
        stock_views.PurchaseOrderCancelApi.as_view(),
        name="purchase-order-cancel",
    ),
]
