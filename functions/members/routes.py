"""HTTP routes of the members capability."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.members import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/me/membership", methods=["GET"])
@spec(auth="shopper", response=schemas.Membership, errors=(404,))
def my_membership():
    """The shopper's level, spend, discount, and the next level with the gap to it."""
    shopper = req.shopper(bp.current_request)
    return service.membership(shopper.shop_id, shopper.user_id)


@bp.route("/admin/v1/members/{user_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.Membership, errors=(404,))
def member(user_id):
    """One shopper's membership, as the merchant sees it."""
    merchant = req.merchant(bp.current_request)
    return service.membership(merchant.shop_id, user_id)
