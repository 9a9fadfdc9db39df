"""HTTP routes of group buying."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.groupbuy import schemas, service

bp = Blueprint(__name__)
PAGE = {"limit": "integer", "cursor": "string"}


def _replayed(body, replayed):
    return Response(status_code=201, body=body, headers={"Idempotent-Replayed": "true" if replayed else "false"})


@bp.route("/admin/v1/group-buys", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateGroupBuy, response=schemas.Created, status=201,
      errors=(401, 403, 404, 409, 422))
def create_group_buy():
    """Create a group-buy activity on a SKU (normal, lottery or new-user)."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateGroupBuy)
    return Response(status_code=201, body=service.create_activity(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/group-buys", methods=["GET"])
@spec(auth="merchant", query=PAGE, errors=(400, 401, 403))
def list_group_buys():
    """The shop's group-buy activities, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.list_activities(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/admin/v1/group-buys/{activity_id}", methods=["GET"])
@spec(auth="merchant", errors=(401, 403, 404))
def merchant_group_buy(activity_id):
    """One activity with its first joinable groups."""
    merchant = req.merchant(bp.current_request)
    return service.get_activity(merchant.shop_id, activity_id)


@bp.route("/admin/v1/group-buys/{activity_id}/groups", methods=["GET"])
@spec(auth="merchant", query=dict(PAGE, status="string"), errors=(400, 401, 403, 404, 422))
def merchant_activity_groups(activity_id):
    """Every group of an activity (optionally by status: open, formed, failed), newest first."""
    merchant = req.merchant(bp.current_request)
    status = req.query(bp.current_request).get("status")
    return service.activity_groups(merchant.shop_id, activity_id, status, req.limit(bp.current_request),
                                   req.cursor(bp.current_request))


@bp.route("/admin/v1/groups/{group_id}", methods=["GET"])
@spec(auth="merchant", errors=(401, 403, 404))
def merchant_group(group_id):
    """A group with each member's order and refund."""
    merchant = req.merchant(bp.current_request)
    return service.merchant_group_view(merchant.shop_id, group_id)


@bp.route("/admin/v1/group-refund-issues", methods=["GET"])
@spec(auth="merchant", query=PAGE, errors=(400, 401, 403))
def group_refund_issues():
    """Members of failed (or lost lottery) groups whose refund failed after its retries."""
    merchant = req.merchant(bp.current_request)
    return service.refund_issues(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/group-buys/{activity_id}", methods=["GET"])
@spec(auth="shopper", errors=(401, 404))
def group_buy_page(activity_id):
    """The activity page: the activity and the open groups a shopper could join."""
    shopper = req.shopper(bp.current_request)
    return service.get_activity(shopper.shop_id, activity_id)


@bp.route("/v1/group-buys/{activity_id}/groups", methods=["GET"])
@spec(auth="shopper", query=PAGE, errors=(400, 401))
def joinable_groups(activity_id):
    """Open groups of the activity with a free seat, closest to their deadline first."""
    shopper = req.shopper(bp.current_request)
    return service.joinable_groups(shopper.shop_id, activity_id, req.limit(bp.current_request),
                                   req.cursor(bp.current_request))


@bp.route("/v1/group-buys/{activity_id}/groups", methods=["POST"])
@spec(auth="shopper", request=schemas.TakeSeat, response=schemas.Opened, status=201,
      headers={"Idempotency-Key": "required"}, errors=(400, 401, 404, 409, 422, 429, 503))
def open_group(activity_id):
    """Open a group as its leader: an order at the group price (idempotent by the Idempotency-Key header)."""
    shopper = req.shopper(bp.current_request)
    seat = req.body(bp.current_request, schemas.TakeSeat)
    key = (req.header(bp.current_request, "idempotency-key") or "").strip()
    body, replayed = service.open_group(shopper.shop_id, shopper.user_id, key, activity_id, seat.model_dump(),
                                        source_ip=req.source_ip(bp.current_request))
    return _replayed(body, replayed)


@bp.route("/v1/groups/{group_id}/join", methods=["POST"])
@spec(auth="shopper", request=schemas.TakeSeat, response=schemas.Joined, status=201,
      headers={"Idempotency-Key": "required"}, errors=(400, 401, 404, 409, 422, 429, 503))
def join_group(group_id):
    """Join a group: an order at the group price; full, expired or not allowed → 409."""
    shopper = req.shopper(bp.current_request)
    seat = req.body(bp.current_request, schemas.TakeSeat)
    key = (req.header(bp.current_request, "idempotency-key") or "").strip()
    body, replayed = service.join_group(shopper.shop_id, shopper.user_id, key, group_id, seat.model_dump(),
                                        source_ip=req.source_ip(bp.current_request))
    return _replayed(body, replayed)


@bp.route("/v1/groups/{group_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.GroupView, errors=(401, 404))
def get_group(group_id):
    """The share card: members (avatars), seats left, time left."""
    shopper = req.shopper(bp.current_request)
    return service.group_view(shopper.shop_id, group_id, viewer=shopper.user_id)


@bp.route("/v1/me/groups", methods=["GET"])
@spec(auth="shopper", query=PAGE, errors=(400, 401))
def my_groups():
    """The groups the shopper holds a seat in, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.my_groups(shopper.shop_id, shopper.user_id, req.limit(bp.current_request),
                             req.cursor(bp.current_request))
