"""HTTP routes of campaign analytics."""
from chalice import Blueprint, Response

from crowdcart import analytics
from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.errors import BadRequest
from crowdcart.ids import is_id
from functions.analytics import schemas

bp = Blueprint(__name__)
KINDS = ("red_packet", "discount_pool", "gift_voucher", "referral", "lottery", "card_collect", "bargain",
         "group_buy", "flash_sale", "coupon")


def _check(kind: str, campaign_id: str) -> None:
    if kind not in KINDS:
        raise BadRequest("invalid_kind", f"kind must be one of {', '.join(KINDS)}.", field="kind")
    if not is_id(campaign_id):
        raise BadRequest("invalid_id", "campaign_id is not an id.", field="campaign_id")


@bp.route("/admin/v1/campaigns/{kind}/{campaign_id}/stats", methods=["GET"])
@spec(auth="merchant", response=schemas.CampaignStatsView, errors=(400,))
def campaign_stats(kind, campaign_id):
    """Participants, new users, shares, orders and GMV of one campaign."""
    merchant = req.merchant(bp.current_request)
    _check(kind, campaign_id)
    return analytics.stats(merchant.shop_id, kind, campaign_id)


@bp.route("/v1/campaigns/{kind}/{campaign_id}/shares", methods=["POST"])
@spec(auth="shopper", status=204, errors=(400,))
def record_share(kind, campaign_id):
    """The mini-program reports that the shopper shared a campaign's card."""
    shopper = req.shopper(bp.current_request)
    _check(kind, campaign_id)
    analytics.record_share(shopper.shop_id, kind, campaign_id)
    return Response(status_code=204, body="")
