"""HTTP routes of the points capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.points import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/me/points", methods=["GET"])
@spec(auth="shopper", query={"cursor": "string", "limit": "integer"}, response=schemas.PointsSummary,
      errors=(400,))
def my_points():
    """The balance and a page of the ledger, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.summary(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))


@bp.route("/v1/me/check-ins", methods=["POST"])
@spec(auth="shopper", response=schemas.CheckedIn, status=201, errors=(409,))
def check_in():
    """Today's check-in (a streak earns a bonus); a second check-in the same day is a 409."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.check_in(shopper.shop_id, shopper.user_id))


@bp.route("/v1/me/shares", methods=["POST"])
@spec(auth="shopper", request=schemas.Share, response=schemas.Shared, status=201, errors=(422,))
def share():
    """Report a share: points once per share id, up to the shop's daily cap."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Share)
    return Response(status_code=201, body=service.share(shopper.shop_id, shopper.user_id, body.share_id))


@bp.route("/v1/me/points/exchanges", methods=["POST"])
@spec(auth="shopper", request=schemas.Exchange, response=schemas.Exchanged, status=201,
      headers={"Idempotency-Key": "optional"}, errors=(404, 409, 422))
def exchange():
    """Exchange points for one coupon (the debit and the coupon in one transaction)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Exchange)
    key = (req.header(bp.current_request, "idempotency-key") or "").strip()[:255] or None
    return Response(status_code=201, body=service.exchange(shopper.shop_id, shopper.user_id, body.template_id, key))
