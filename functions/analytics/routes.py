"""HTTP routes of campaign analytics."""
from chalice import Blueprint, Response

from crowdcart import analytics
from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.errors import BadRequest
from crowdcart.ids import is_id
from functions.analytics import schemas

bp = Blueprint(__name__)


def _check(kind: str, campaign_id: str) -> None:
    if kind not in analytics.KINDS:
        raise BadRequest("invalid_kind", f"kind must be one of {', '.join(analytics.KINDS)}.", field="kind")
    if not is_id(campaign_id):
        raise BadRequest("invalid_id", "campaign_id is not an id.", field="campaign_id")


@bp.route("/admin/v1/campaigns/{kind}/{campaign_id}/stats", methods=["GET"])
@spec(auth="merchant", response=schemas.CampaignStatsView, errors=(400, 404))
def campaign_stats(kind, campaign_id):
    """Participants, new users, shares, and the orders, GMV and refunds credited to one campaign of this shop
    (the attribution rules are crowdcart.analytics'); 404 for a campaign the shop does not have."""
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
