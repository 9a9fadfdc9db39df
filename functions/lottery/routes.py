"""HTTP routes of the lottery capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.lottery import schemas, service

bp = Blueprint(__name__)
_PAGE = {"cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/lotteries", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateLottery, response=schemas.Created, status=201,
      errors=(401, 403, 422))
def create_lottery():
    """Create a lottery: prizes with probability and stock, the window, how entries are earned."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateLottery)
    return Response(status_code=201, body=service.create_lottery(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/lotteries", methods=["GET"])
@spec(auth="merchant", response=schemas.LotteryPage, query=_PAGE, errors=(400, 401, 403))
def list_lotteries_admin():
    """Every lottery of the shop, latest end first."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_lotteries(merchant.shop_id, req.limit(r), req.cursor(r), for_merchant=True)


@bp.route("/admin/v1/lotteries/{lottery_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.LotteryView, errors=(401, 403, 404))
def get_lottery_admin(lottery_id):
    """One lottery with each prize's remaining stock and wins."""
    merchant = req.merchant(bp.current_request)
    return service.get_lottery(merchant.shop_id, lottery_id)


@bp.route("/admin/v1/lotteries/{lottery_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.LotteryView, errors=(401, 403, 404, 409))
def end_lottery(lottery_id):
    """End a lottery now."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_lottery(merchant.shop_id, lottery_id)


@bp.route("/admin/v1/lotteries/{lottery_id}/winners", methods=["GET"])
@spec(auth="merchant", query=_PAGE, errors=(400, 401, 403, 404))
def lottery_winners(lottery_id):
    """The lottery's winning draws, newest first."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.winners(merchant.shop_id, lottery_id, req.limit(r), req.cursor(r))


@bp.route("/v1/lotteries", methods=["GET"])
@spec(auth="shopper", response=schemas.LotteryPage, query=_PAGE, errors=(400, 401, 403))
def list_lotteries():
    """Lotteries not ended yet, ending soonest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.list_lotteries(shopper.shop_id, req.limit(r), req.cursor(r))


@bp.route("/v1/lotteries/{lottery_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.LotteryView, errors=(401, 403, 404))
def get_lottery(lottery_id):
    """One lottery: its prizes, their probabilities and what is left."""
    shopper = req.shopper(bp.current_request)
    return service.get_lottery(shopper.shop_id, lottery_id)


@bp.route("/v1/lotteries/{lottery_id}/join", methods=["POST"])
@spec(auth="shopper", errors=(401, 403, 404, 409))
def join_lottery(lottery_id):
    """Join: the welcome entries, once."""
    shopper = req.shopper(bp.current_request)
    return service.join(shopper.shop_id, lottery_id, shopper.user_id)


@bp.route("/v1/lotteries/{lottery_id}/me", methods=["GET"])
@spec(auth="shopper", response=schemas.MyLottery, errors=(401, 403, 404))
def my_lottery(lottery_id):
    """The caller's entries and latest draws."""
    shopper = req.shopper(bp.current_request)
    return service.me(shopper.shop_id, lottery_id, shopper.user_id)


@bp.route("/v1/lotteries/{lottery_id}/draws", methods=["POST"])
@spec(auth="shopper", response=schemas.DrawView, status=201, headers={"Idempotency-Key": "optional"},
      errors=(401, 403, 404, 409, 503))
def draw(lottery_id):
    """Spend one entry on a draw (the same Idempotency-Key draws once)."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    key = (req.header(r, "idempotency-key") or "").strip()[:255] or None
    return Response(status_code=201, body=service.draw(shopper.shop_id, lottery_id, shopper.user_id, key))


@bp.route("/v1/lotteries/{lottery_id}/shares", methods=["POST"])
@spec(auth="shopper", request=schemas.Share, response=schemas.ShareResult, status=201,
      errors=(401, 403, 404, 409, 422))
def share_lottery(lottery_id):
    """Report a share: entries once per share id, up to the daily cap."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Share)
    return Response(status_code=201, body=service.share(shopper.shop_id, lottery_id, shopper.user_id, body.share_id))


@bp.route("/v1/lotteries/{lottery_id}/share", methods=["GET"])
@spec(auth="shopper", response=schemas.SharePayload, errors=(401, 403, 404))
def lottery_share_payload(lottery_id):
    """The share card of a lottery."""
    shopper = req.shopper(bp.current_request)
    return service.share_payload(shopper.shop_id, lottery_id, shopper.user_id)
