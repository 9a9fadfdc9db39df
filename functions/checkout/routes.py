"""HTTP routes of checkout."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.api.views import OrderView
from functions.checkout import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/orders", methods=["POST"])
@spec(auth="shopper", request=schemas.Checkout, response=OrderView, status=201, headers={"Idempotency-Key": "required"},
      errors=(400, 404, 409, 422, 429, 503))
def place_order():
    """Place an order (idempotent by the Idempotency-Key header)."""
    shopper = req.shopper(bp.current_request)
    key = req.header(bp.current_request, "idempotency-key") or ""
    body = req.body(bp.current_request, schemas.Checkout)
    order, replayed = service.place_order(shopper.shop_id, shopper.user_id, key.strip(), body.model_dump(),
                                         source_ip=req.source_ip(bp.current_request))
    return Response(status_code=201, body=order, headers={"Idempotent-Replayed": "true" if replayed else "false"})
