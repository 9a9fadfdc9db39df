"""HTTP routes of the gift-voucher capability (vouchers are bought through checkout; a stream reaction makes
them when the order is paid)."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import param, spec
from crowdcart.errors import BadRequest
from functions.giftvoucher import schemas, service

bp = Blueprint(__name__)

_PAGE = {"cursor": "string", "limit": "integer",
         "role": param("string", enum=["bought", "received"], default="bought",
                       description="bought: vouchers the caller bought; received: vouchers the caller claimed.")}


@bp.route("/admin/v1/gift-voucher-products/{product_id}", methods=["PUT"])
@spec(auth="merchant", request=schemas.VoucherConfig, response=schemas.ConfigView, errors=(401, 403, 404, 409, 422))
def put_config(product_id):
    """Set how a voucher product's vouchers behave: validity, share window, what they pay for online."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.VoucherConfig)
    return service.put_config(merchant.shop_id, product_id, body.model_dump())


@bp.route("/admin/v1/gift-voucher-products/{product_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.ConfigView, errors=(401, 403, 404, 409))
def get_config(product_id):
    """A voucher product's settings (the defaults when never set)."""
    merchant = req.merchant(bp.current_request)
    return service.get_config(merchant.shop_id, product_id)


@bp.route("/admin/v1/orders/{order_id}/gift-vouchers", methods=["GET"])
@spec(auth="merchant", response=schemas.VoucherPage, errors=(401, 403, 404))
def order_vouchers_admin(order_id):
    """The vouchers an order made and what became of them (check before approving a refund)."""
    merchant = req.merchant(bp.current_request)
    return service.order_vouchers(merchant.shop_id, order_id)


@bp.route("/admin/v1/gift-voucher-redemptions", methods=["POST"])
@spec(auth="merchant", request=schemas.Redemption, response=schemas.VoucherView, errors=(401, 403, 404, 409, 422))
def redeem_in_store():
    """Verify a claimant's code in the store: the voucher is redeemed, once."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Redemption)
    return service.redeem_in_store(merchant.shop_id, body.code, body.store_id)


@bp.route("/v1/me/gift-vouchers", methods=["GET"])
@spec(auth="shopper", response=schemas.VoucherPage, query=_PAGE, errors=(400, 401, 403))
def my_vouchers():
    """The vouchers the caller bought (`role=bought`, default) or claimed (`role=received`), newest first."""
    shopper = req.shopper(bp.current_request)
    role = req.query(bp.current_request).get("role") or "bought"
    if role not in ("bought", "received"):
        raise BadRequest("invalid_role", "role must be bought or received.", field="role")
    return service.my_vouchers(shopper.shop_id, shopper.user_id, role, req.limit(bp.current_request),
                               req.cursor(bp.current_request))


@bp.route("/v1/orders/{order_id}/gift-vouchers", methods=["GET"])
@spec(auth="shopper", response=schemas.VoucherPage, errors=(401, 403, 404))
def order_vouchers(order_id):
    """The vouchers the caller's paid order made."""
    shopper = req.shopper(bp.current_request)
    return service.order_vouchers(shopper.shop_id, order_id, shopper.user_id)


@bp.route("/v1/gift-vouchers/{voucher_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.VoucherView, errors=(401, 403, 404))
def get_voucher(voucher_id):
    """One of the caller's vouchers (bought or claimed); the claimant sees its coupon and in-store code."""
    shopper = req.shopper(bp.current_request)
    return service.get_voucher(shopper.shop_id, voucher_id, shopper.user_id)


@bp.route("/v1/gift-vouchers/{voucher_id}/send", methods=["POST"])
@spec(auth="shopper", request=schemas.Send, response=schemas.Sent, errors=(401, 403, 404, 409, 422))
def send_voucher(voucher_id):
    """Send a voucher: a one-time share token for the link (sending again replaces it)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Send)
    return service.send(shopper.shop_id, voucher_id, shopper.user_id, body.message)


@bp.route("/v1/gift-vouchers/{voucher_id}/take-back", methods=["POST"])
@spec(auth="shopper", response=schemas.VoucherView, errors=(401, 403, 404, 409))
def take_back(voucher_id):
    """Take back a sent, unclaimed voucher: its link stops working."""
    shopper = req.shopper(bp.current_request)
    return service.take_back(shopper.shop_id, voucher_id, shopper.user_id)


@bp.route("/v1/gift-voucher-shares/open", methods=["POST"])
@spec(auth="shopper", request=schemas.ShareToken, response=schemas.Preview, errors=(401, 403, 404, 422))
def open_share():
    """What a friend sees when opening a gift link (the token travels in the body, not the URL)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.ShareToken)
    return service.preview(shopper.shop_id, body.token, shopper.user_id)


@bp.route("/v1/gift-voucher-claims", methods=["POST"])
@spec(auth="shopper", request=schemas.ShareToken, response=schemas.VoucherView, status=201,
      errors=(401, 403, 404, 409, 422))
def claim_voucher():
    """Claim a gift from its link: the first friend gets it (409 for everyone after)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.ShareToken)
    return Response(status_code=201, body=service.claim(shopper.shop_id, body.token, shopper.user_id))
