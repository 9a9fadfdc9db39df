"""HTTP routes of the red-packet capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.redpacket import schemas, service

bp = Blueprint(__name__)

_PAGE = {"cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/red-packet-campaigns", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateCampaign, response=schemas.Created, status=201,
      errors=(401, 403, 422))
def create_campaign():
    """Create a red-packet campaign with its prize pool."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateCampaign)
    return Response(status_code=201, body=service.create_campaign(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/red-packet-campaigns", methods=["GET"])
@spec(auth="merchant", response=schemas.CampaignPage, query=_PAGE, errors=(400, 401, 403))
def list_campaigns_admin():
    """The shop's red-packet campaigns, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.list_campaigns(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request),
                                  for_merchant=True)


@bp.route("/admin/v1/red-packet-campaigns/{campaign_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.CampaignAdminView, errors=(401, 403, 404))
def get_campaign_admin(campaign_id):
    """One campaign with its pool: budget left, winners left, seats, packets started/opened/expired."""
    merchant = req.merchant(bp.current_request)
    return service.get_campaign(merchant.shop_id, campaign_id, for_merchant=True)


@bp.route("/admin/v1/red-packet-campaigns/{campaign_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.CampaignAdminView, errors=(401, 403, 404, 409))
def end_campaign(campaign_id):
    """Stop new packets now; open packets run until they open or expire."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_campaign(merchant.shop_id, campaign_id)


@bp.route("/admin/v1/red-packet-campaigns/{campaign_id}/packets", methods=["GET"])
@spec(auth="merchant", response=schemas.PacketPage, query=_PAGE, errors=(400, 401, 403, 404))
def list_campaign_packets(campaign_id):
    """A campaign's packets, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.campaign_packets(merchant.shop_id, campaign_id, req.limit(bp.current_request),
                                    req.cursor(bp.current_request))


@bp.route("/v1/red-packet-campaigns", methods=["GET"])
@spec(auth="shopper", response=schemas.CampaignPage, query=_PAGE, errors=(400, 401, 403))
def list_campaigns():
    """Red-packet campaigns not ended yet, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.list_campaigns(shopper.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/red-packet-campaigns/{campaign_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.CampaignView, errors=(401, 403, 404))
def get_campaign(campaign_id):
    """One red-packet campaign."""
    shopper = req.shopper(bp.current_request)
    return service.get_campaign(shopper.shop_id, campaign_id)


@bp.route("/v1/red-packet-campaigns/{campaign_id}/packets", methods=["POST"])
@spec(auth="shopper", response=schemas.PacketView, status=201, errors=(401, 403, 404, 409, 503))
def start_packet(campaign_id):
    """Start a red packet to share: it opens when enough friends assist."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.start_packet(shopper.shop_id, campaign_id, shopper.user_id))


@bp.route("/v1/me/red-packets", methods=["GET"])
@spec(auth="shopper", response=schemas.PacketPage, query=_PAGE, errors=(400, 401, 403))
def my_packets():
    """The caller's red packets, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.my_packets(shopper.shop_id, shopper.user_id, req.limit(bp.current_request),
                              req.cursor(bp.current_request))


@bp.route("/v1/red-packets/{packet_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.PacketView, errors=(401, 403, 404))
def get_packet(packet_id):
    """A red packet with its helpers and share card (friends open the shared card here)."""
    shopper = req.shopper(bp.current_request)
    return service.get_packet(shopper.shop_id, packet_id, shopper.user_id)


@bp.route("/v1/red-packets/{packet_id}/assists", methods=["POST"])
@spec(auth="shopper", response=schemas.AssistResult, errors=(401, 403, 404, 409, 503))
def assist_packet(packet_id):
    """Assist a friend's red packet: once per friend per packet, within the daily limit (409 otherwise)."""
    shopper = req.shopper(bp.current_request)
    return service.assist(shopper.shop_id, packet_id, shopper.user_id)
