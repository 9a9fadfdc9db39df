"""HTTP routes of the discount-pool capability (pools are created by a stream reaction when an order is paid)."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.discountpool import schemas, service

bp = Blueprint(__name__)

_PAGE = {"cursor": "string", "limit": "integer"}
RULES = "/admin/v1/discount-pool-rules"


@bp.route(RULES, methods=["POST"])
@spec(auth="merchant", request=schemas.CreateRule, response=schemas.Created, status=201, errors=(401, 403, 422))
def create_rule():
    """Create a rule: which paid orders get a pool of vouchers to share, and what the vouchers are."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateRule)
    return Response(status_code=201, body=service.create_rule(merchant.shop_id, body.model_dump()))


@bp.route(RULES, methods=["GET"])
@spec(auth="merchant", response=schemas.RulePage, query=_PAGE, errors=(400, 401, 403))
def list_rules():
    """The shop's discount-pool rules, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.list_rules(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route(RULES + "/{rule_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.RuleView, errors=(401, 403, 404))
def get_rule(rule_id):
    """One rule, with how many pools it created."""
    merchant = req.merchant(bp.current_request)
    return service.get_rule(merchant.shop_id, rule_id)


@bp.route(RULES + "/{rule_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.RuleView, errors=(401, 403, 404, 409))
def end_rule(rule_id):
    """Stop creating pools now; open pools stay claimable until they expire."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_rule(merchant.shop_id, rule_id)


@bp.route(RULES + "/{rule_id}/pools", methods=["GET"])
@spec(auth="merchant", response=schemas.PoolPage, query=_PAGE, errors=(400, 401, 403, 404))
def list_rule_pools(rule_id):
    """The pools a rule created, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.rule_pools(merchant.shop_id, rule_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/orders/{order_id}/discount-pool", methods=["GET"])
@spec(auth="shopper", response=schemas.PoolView, errors=(401, 403, 404))
def get_order_pool(order_id):
    """The pool of vouchers the caller's paid order created, with its share card (404 when none)."""
    shopper = req.shopper(bp.current_request)
    return service.order_pool(shopper.shop_id, shopper.user_id, order_id)


@bp.route("/v1/me/discount-pools", methods=["GET"])
@spec(auth="shopper", response=schemas.PoolPage, query=_PAGE, errors=(400, 401, 403))
def my_pools():
    """The caller's pools, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.my_pools(shopper.shop_id, shopper.user_id, req.limit(bp.current_request),
                            req.cursor(bp.current_request))


@bp.route("/v1/discount-pools/{pool_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.PoolView, errors=(401, 403, 404))
def get_pool(pool_id):
    """A pool with its claimers (friends open the shared card here)."""
    shopper = req.shopper(bp.current_request)
    return service.get_pool(shopper.shop_id, pool_id, shopper.user_id)


@bp.route("/v1/discount-pools/{pool_id}/claims", methods=["POST"])
@spec(auth="shopper", response=schemas.ClaimResult, status=201, errors=(401, 403, 404, 409, 503))
def claim_voucher(pool_id):
    """Claim one voucher: once per shopper per pool, while vouchers are left (409 otherwise)."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.claim(shopper.shop_id, pool_id, shopper.user_id))
