"""HTTP routes of the flash-sale capability (buying is checkout's POST /v1/orders with an activity)."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.flashsale import schemas, service

bp = Blueprint(__name__)

_LIST = {"status": "string", "cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/flash-sales", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateFlashSale, response=schemas.Created, status=201,
      errors=(401, 403, 404, 409, 422))
def create_flash_sale():
    """Create a flash sale on one SKU; its stock is carved out of the SKU's stock."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateFlashSale)
    return Response(status_code=201, body=service.create_sale(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/flash-sales", methods=["GET"])
@spec(auth="merchant", response=schemas.FlashSaleAdminPage, query=_LIST, errors=(400, 401, 403))
def list_flash_sales_admin():
    """The shop's flash sales (all: latest end first; or upcoming, live, ended)."""
    merchant = req.merchant(bp.current_request)
    return service.list_sales(merchant.shop_id, req.query(bp.current_request).get("status"),
                              req.limit(bp.current_request), req.cursor(bp.current_request), for_merchant=True)


@bp.route("/admin/v1/flash-sales/{sale_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.FlashSaleAdminView, errors=(401, 403, 404))
def get_flash_sale_admin(sale_id):
    """One flash sale with every shard's stock and its settlement."""
    merchant = req.merchant(bp.current_request)
    return service.get_sale(merchant.shop_id, sale_id, for_merchant=True)


@bp.route("/admin/v1/flash-sales/{sale_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.FlashSaleAdminView, errors=(401, 403, 404, 409))
def end_flash_sale(sale_id):
    """End a flash sale now; what is left goes back to the SKU at settlement."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_now(merchant.shop_id, sale_id)


@bp.route("/v1/flash-sales", methods=["GET"])
@spec(auth="shopper", response=schemas.FlashSalePage, query=_LIST, errors=(400, 401, 403))
def list_flash_sales():
    """Flash sales with stock left: upcoming and live (soonest end first), or `status` = upcoming | live | ended."""
    shopper = req.shopper(bp.current_request)
    return service.list_sales(shopper.shop_id, req.query(bp.current_request).get("status"),
                              req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/flash-sessions", methods=["GET"])
@spec(auth="shopper", response=schemas.FlashSessionPage, query=_LIST, errors=(400, 401, 403))
def list_flash_sessions():
    """Flash sales grouped by time window (场次), with stock left; same filters as /v1/flash-sales."""
    shopper = req.shopper(bp.current_request)
    return service.list_sessions(shopper.shop_id, req.query(bp.current_request).get("status"),
                                 req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/flash-sales/{sale_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.FlashSaleView, errors=(401, 403, 404))
def get_flash_sale(sale_id):
    """One flash sale with its stock left."""
    shopper = req.shopper(bp.current_request)
    return service.get_sale(shopper.shop_id, sale_id)
