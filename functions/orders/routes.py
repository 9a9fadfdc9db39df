"""HTTP routes of the orders capability (shopper and merchant)."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.api.views import OrderPage, OrderView
from functions.orders import schemas, service

bp = Blueprint(__name__)
LIST_QUERY = {"status": "string", "cursor": "string", "limit": "integer"}


@bp.route("/v1/orders", methods=["GET"])
@spec(auth="shopper", query=LIST_QUERY, response=OrderPage, errors=(400,))
def list_my_orders():
    """The shopper's orders, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.list_shopper_orders(shopper.shop_id, shopper.user_id, req.query(r).get("status"),
                                       req.limit(r), req.cursor(r))


@bp.route("/v1/orders/{order_id}", methods=["GET"])
@spec(auth="shopper", response=OrderView, errors=(404,))
def get_my_order(order_id):
    """One of the shopper's orders, with its history."""
    shopper = req.shopper(bp.current_request)
    return service.shopper_order(shopper.shop_id, shopper.user_id, order_id)


@bp.route("/v1/orders/{order_id}/cancel", methods=["POST"])
@spec(auth="shopper", response=OrderView, errors=(404, 409))
def cancel_order(order_id):
    """Cancel an unpaid order."""
    shopper = req.shopper(bp.current_request)
    return service.cancel(shopper.shop_id, shopper.user_id, order_id)


@bp.route("/v1/orders/{order_id}/confirm-receipt", methods=["POST"])
@spec(auth="shopper", response=OrderView, errors=(404, 409))
def confirm_receipt(order_id):
    """Confirm a shipped order arrived."""
    shopper = req.shopper(bp.current_request)
    return service.confirm_receipt(shopper.shop_id, shopper.user_id, order_id)


@bp.route("/admin/v1/orders", methods=["GET"])
@spec(auth="merchant", query=LIST_QUERY, response=OrderPage, errors=(400,))
def list_shop_orders():
    """The shop's orders, all or by status."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_shop_orders(merchant.shop_id, req.query(r).get("status"), req.limit(r), req.cursor(r))


@bp.route("/admin/v1/orders/{order_id}", methods=["GET"])
@spec(auth="merchant", response=OrderView, errors=(404,))
def get_shop_order(order_id):
    """One order of the shop, with its history."""
    merchant = req.merchant(bp.current_request)
    return service.merchant_order(merchant.shop_id, order_id)


@bp.route("/admin/v1/orders/{order_id}/ship", methods=["POST"])
@spec(auth="merchant", request=schemas.Ship, response=OrderView, errors=(403, 404, 409, 422))
def ship_order(order_id):
    """Ship a paid express order."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Ship)
    return service.ship(merchant.shop_id, order_id, body.carrier, body.tracking_no, f"staff:{merchant.key_id}")


@bp.route("/admin/v1/pickups/verify", methods=["POST"])
@spec(auth="merchant", request=schemas.PickupVerify, response=OrderView, errors=(403, 404, 409, 422))
def verify_pickup():
    """Check a pickup code in store (once)."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.PickupVerify)
    return service.verify_pickup(merchant.shop_id, body.code, f"staff:{merchant.key_id}")
