"""HTTP routes of the stores capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import param, spec
from functions.stores import schemas, service

bp = Blueprint(__name__)

_PAGE = {"cursor": "string", "limit": "integer"}
# what schemas.nearby_query parses (and refuses with a 400 naming the field)
NEARBY_QUERY = {
    "lat": param("number", required=True, minimum=-90, maximum=90, description="The shopper's latitude, in degrees."),
    "lng": param("number", required=True, minimum=-180, maximum=180,
                 description="The shopper's longitude, in degrees."),
    "radius_km": param("number", exclusiveMinimum=0, maximum=schemas.MAX_RADIUS_KM, default=schemas.DEFAULT_RADIUS_KM,
                       description="How far to look, in kilometres."),
    **_PAGE,
}


@bp.route("/admin/v1/stores", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateStore, response=schemas.Created, status=201, errors=(401, 403, 422))
def create_store():
    """Add a store (pickup point) with its coordinates."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateStore)
    return Response(status_code=201, body=service.create_store(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/stores", methods=["GET"])
@spec(auth="merchant", response=schemas.StorePage, query=_PAGE, errors=(400, 401, 403))
def list_stores():
    """The shop's stores, active and deactivated, oldest first."""
    merchant = req.merchant(bp.current_request)
    return service.list_stores(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/admin/v1/stores/{store_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.StoreView, errors=(401, 403, 404))
def get_store_admin(store_id):
    """One of the shop's stores."""
    merchant = req.merchant(bp.current_request)
    return service.get_for_merchant(merchant.shop_id, store_id)


@bp.route("/admin/v1/stores/{store_id}", methods=["PATCH"])
@spec(auth="merchant", request=schemas.UpdateStore, response=schemas.StoreView, errors=(401, 403, 404, 409, 422))
def update_store(store_id):
    """Change a store; `active: true` re-opens a deactivated one."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.UpdateStore)
    return service.update_store(merchant.shop_id, store_id, body.model_dump(exclude_unset=True))


@bp.route("/admin/v1/stores/{store_id}", methods=["DELETE"])
@spec(auth="merchant", response=schemas.StoreView, errors=(401, 403, 404, 409))
def deactivate_store(store_id):
    """Deactivate a store: no longer found nearby nor offered for pickup; its record stays."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.deactivate_store(merchant.shop_id, store_id)


@bp.route("/v1/stores/nearby", methods=["GET"])
@spec(auth="shopper", response=schemas.NearbyPage, errors=(400, 401, 403), query=NEARBY_QUERY)
def nearby_stores():
    """The shop's active stores within radius_km (default 5, max 10), nearest first."""
    shopper = req.shopper(bp.current_request)
    where = schemas.nearby_query(req.query(bp.current_request))
    result = service.nearby(shopper.shop_id, where.lat, where.lng, where.radius_km * 1000,
                            req.limit(bp.current_request), req.cursor(bp.current_request))
    return {"items": result.items, "next_cursor": result.next_cursor}


@bp.route("/v1/stores/{store_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.ShopperStore, errors=(401, 403, 404))
def get_store(store_id):
    """One active store of the shop."""
    shopper = req.shopper(bp.current_request)
    return service.get_for_shopper(shopper.shop_id, store_id)
