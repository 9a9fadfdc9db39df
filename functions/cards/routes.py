"""HTTP routes of the card-collecting capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.cards import schemas, service

bp = Blueprint(__name__)
_PAGE = {"cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/card-sets", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateCardSet, response=schemas.Created, status=201, errors=(401, 403, 422))
def create_card_set():
    """Create a card set: kinds with rarities, the full-set prize, the window, how draws are earned."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateCardSet)
    return Response(status_code=201, body=service.create_card_set(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/card-sets", methods=["GET"])
@spec(auth="merchant", response=schemas.CardSetPage, query=_PAGE, errors=(400, 401, 403))
def list_card_sets_admin():
    """Every card set of the shop, latest end first."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_card_sets(merchant.shop_id, req.limit(r), req.cursor(r), for_merchant=True)


@bp.route("/admin/v1/card-sets/{set_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.CardSetView, errors=(401, 403, 404))
def get_card_set_admin(set_id):
    """One card set with the prizes left."""
    merchant = req.merchant(bp.current_request)
    return service.get_card_set(merchant.shop_id, set_id)


@bp.route("/admin/v1/card-sets/{set_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.CardSetView, errors=(401, 403, 404, 409))
def end_card_set(set_id):
    """End a card set now."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_card_set(merchant.shop_id, set_id)


@bp.route("/admin/v1/card-sets/{set_id}/redemptions", methods=["GET"])
@spec(auth="merchant", query=_PAGE, errors=(400, 401, 403, 404))
def list_redemptions(set_id):
    """The set's redemptions, newest first."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.redemptions(merchant.shop_id, set_id, req.limit(r), req.cursor(r))


@bp.route("/v1/card-sets", methods=["GET"])
@spec(auth="shopper", response=schemas.CardSetPage, query=_PAGE, errors=(400, 401, 403))
def list_card_sets():
    """Card sets not ended yet, ending soonest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.list_card_sets(shopper.shop_id, req.limit(r), req.cursor(r))


@bp.route("/v1/card-sets/{set_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.CardSetView, errors=(401, 403, 404))
def get_card_set(set_id):
    """One card set: its kinds, their chances and the prize."""
    shopper = req.shopper(bp.current_request)
    return service.get_card_set(shopper.shop_id, set_id)


@bp.route("/v1/card-sets/{set_id}/join", methods=["POST"])
@spec(auth="shopper", response=schemas.AlbumView, errors=(401, 403, 404, 409))
def join_card_set(set_id):
    """Join: an album and the welcome draws, once."""
    shopper = req.shopper(bp.current_request)
    return service.join(shopper.shop_id, set_id, shopper.user_id)


@bp.route("/v1/card-sets/{set_id}/album", methods=["GET"])
@spec(auth="shopper", response=schemas.AlbumView, errors=(401, 403, 404))
def my_album(set_id):
    """The caller's album."""
    shopper = req.shopper(bp.current_request)
    return service.my_album(shopper.shop_id, set_id, shopper.user_id)


@bp.route("/v1/card-sets/{set_id}/albums/{owner_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.AlbumView, errors=(401, 403, 404))
def friend_album(set_id, owner_id):
    """A friend's album, opened from their share."""
    shopper = req.shopper(bp.current_request)
    return service.album(shopper.shop_id, set_id, owner_id)


@bp.route("/v1/card-sets/{set_id}/albums/{owner_id}/assists", methods=["POST"])
@spec(auth="shopper", response=schemas.AssistResult, status=201, errors=(401, 403, 404, 409))
def assist(set_id, owner_id):
    """Help a friend's album once: the friend earns draws."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.assist(shopper.shop_id, set_id, owner_id, shopper.user_id))


@bp.route("/v1/card-sets/{set_id}/draws", methods=["POST"])
@spec(auth="shopper", response=schemas.DrawView, status=201, headers={"Idempotency-Key": "optional"},
      errors=(401, 403, 404, 409, 503))
def draw_card(set_id):
    """Spend one draw on a card (the same Idempotency-Key draws once)."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    key = (req.header(r, "idempotency-key") or "").strip()[:255] or None
    return Response(status_code=201, body=service.draw(shopper.shop_id, set_id, shopper.user_id, key))


@bp.route("/v1/card-sets/{set_id}/gifts", methods=["POST"])
@spec(auth="shopper", request=schemas.Gift, response=schemas.GiftView, status=201, errors=(401, 403, 404, 409, 422))
def give_card(set_id):
    """Give one duplicate card to a friend (share the gift's path)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Gift)
    return Response(status_code=201, body=service.give(shopper.shop_id, set_id, shopper.user_id, body.kind_id))


@bp.route("/v1/card-gifts/{gift_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.GiftView, errors=(401, 403, 404))
def get_gift(gift_id):
    """A card gift."""
    shopper = req.shopper(bp.current_request)
    return service.get_gift(shopper.shop_id, gift_id)


@bp.route("/v1/card-gifts/{gift_id}/claim", methods=["POST"])
@spec(auth="shopper", response=schemas.GiftView, errors=(401, 403, 404, 409))
def claim_gift(gift_id):
    """Claim a friend's card (once; not your own; before it expires)."""
    shopper = req.shopper(bp.current_request)
    return service.claim(shopper.shop_id, gift_id, shopper.user_id)


@bp.route("/v1/card-gifts/{gift_id}/cancel", methods=["POST"])
@spec(auth="shopper", response=schemas.GiftView, errors=(401, 403, 404, 409))
def cancel_gift(gift_id):
    """Take back an unclaimed gift."""
    shopper = req.shopper(bp.current_request)
    return service.cancel_gift(shopper.shop_id, gift_id, shopper.user_id)


@bp.route("/v1/card-sets/{set_id}/redemptions", methods=["POST"])
@spec(auth="shopper", response=schemas.RedemptionView, status=201, errors=(401, 403, 404, 409))
def redeem(set_id):
    """Redeem a full set for the prize (once)."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.redeem(shopper.shop_id, set_id, shopper.user_id))


@bp.route("/v1/card-sets/{set_id}/shares", methods=["POST"])
@spec(auth="shopper", request=schemas.Share, response=schemas.ShareResult, status=201,
      errors=(401, 403, 404, 409, 422))
def share_cards(set_id):
    """Report a share: draws once per share id, up to the daily cap."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Share)
    return Response(status_code=201, body=service.share(shopper.shop_id, set_id, shopper.user_id, body.share_id))


@bp.route("/v1/card-sets/{set_id}/share", methods=["GET"])
@spec(auth="shopper", response=schemas.SharePayload, errors=(401, 403, 404))
def cards_share_payload(set_id):
    """The share card of a set (friends open the sharer's album to help)."""
    shopper = req.shopper(bp.current_request)
    return service.share_payload(shopper.shop_id, set_id, shopper.user_id)
