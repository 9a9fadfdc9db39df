"""HTTP routes of the cart."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.cart import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/cart", methods=["GET"])
@spec(auth="shopper", response=schemas.CartView)
def get_cart():
    """The shopper's cart with live prices and totals."""
    shopper = req.shopper(bp.current_request)
    return service.view(shopper.shop_id, shopper.user_id)


@bp.route("/v1/cart/items/{sku_id}", methods=["PUT"])
@spec(auth="shopper", request=schemas.SetQuantity, response=schemas.CartView, errors=(404, 409, 422))
def put_item(sku_id):
    """Set a SKU's quantity in the cart (adds the line if new)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.SetQuantity)
    return service.set_quantity(shopper.shop_id, shopper.user_id, sku_id, body.quantity)


@bp.route("/v1/cart/items/{sku_id}", methods=["DELETE"])
@spec(auth="shopper", response=schemas.CartView, errors=(404,))
def delete_item(sku_id):
    """Remove a SKU from the cart."""
    shopper = req.shopper(bp.current_request)
    return service.remove(shopper.shop_id, shopper.user_id, sku_id)
