"""HTTP routes of after-sales."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.aftersales import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/orders/{order_id}/refund-requests", methods=["POST"])
@spec(auth="shopper", request=schemas.RefundRequest, response=schemas.AfterSaleView, status=201, errors=(404, 409, 422))
def create_request(order_id):
    """Ask for a refund of all or some lines of an order."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.RefundRequest)
    lines = [line.model_dump() for line in body.lines] if body.lines else None
    created = service.request(shopper.shop_id, shopper.user_id, order_id, body.reason, lines, body.photos)
    return Response(status_code=201, body=created)


@bp.route("/v1/orders/{order_id}/refund-requests", methods=["GET"])
@spec(auth="shopper", response=schemas.AfterSalePage, errors=(404,))
def list_order_requests(order_id):
    """The shopper's refund requests on one order."""
    shopper = req.shopper(bp.current_request)
    return service.for_order(shopper.shop_id, shopper.user_id, order_id)


@bp.route("/admin/v1/refund-requests", methods=["GET"])
@spec(auth="merchant", query={"status": "string", "cursor": "string", "limit": "integer"},
      response=schemas.AfterSalePage, errors=(400, 422))
def list_shop_requests():
    """The shop's refund requests by status (default: requested)."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.for_shop(merchant.shop_id, req.query(r).get("status") or "requested", req.limit(r), req.cursor(r))


@bp.route("/admin/v1/refund-requests/{after_sale_id}/approve", methods=["POST"])
@spec(auth="merchant", request=schemas.Decision, response=schemas.AfterSaleView, errors=(403, 404, 409))
def approve(after_sale_id):
    """Approve a refund request: the money goes back through WeChat Pay."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Decision)
    return service.approve(merchant.shop_id, after_sale_id, body.note, f"staff:{merchant.key_id}")


@bp.route("/admin/v1/refund-requests/{after_sale_id}/reject", methods=["POST"])
@spec(auth="merchant", request=schemas.Decision, response=schemas.AfterSaleView, errors=(403, 404, 409))
def reject(after_sale_id):
    """Reject a refund request."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Decision)
    return service.reject(merchant.shop_id, after_sale_id, body.note)
