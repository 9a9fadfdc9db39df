"""HTTP routes of the shops capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.domain.shop_settings import ShopSettings
from functions.shops import schemas, service

bp = Blueprint(__name__)


@bp.route("/admin/v1/shops", methods=["POST"])
@spec(auth="platform", request=schemas.CreateShop, response=schemas.ShopCreated, status=201, errors=(401, 403, 422))
def create_shop():
    """Platform operator creates a shop; returns the owner's key once."""
    req.platform(bp.current_request)
    body = req.body(bp.current_request, schemas.CreateShop)
    return Response(status_code=201, body=service.create_shop(body.name))


@bp.route("/admin/v1/shop", methods=["GET"])
@spec(auth="merchant", response=schemas.ShopView)
def get_shop():
    """The calling merchant's shop and settings."""
    merchant = req.merchant(bp.current_request)
    return service.shop_view(service.load_shop(merchant.shop_id))


@bp.route("/admin/v1/settings", methods=["PUT"])
@spec(auth="merchant", request=ShopSettings, response=schemas.SettingsView, errors=(403, 422))
def put_settings():
    """Change some of the shop's settings."""
    merchant = req.merchant(bp.current_request, write=True)
    changes = req.body(bp.current_request, ShopSettings)
    return {"settings": service.update_settings(merchant.shop_id, changes.model_dump(exclude_unset=True))}


@bp.route("/admin/v1/wechat", methods=["PUT"])
@spec(auth="merchant", request=schemas.WechatConfig, response=schemas.WechatView, errors=(403, 422))
def put_wechat():
    """Set the shop's mini-program appid/secret and WeChat Pay merchant id (owner only)."""
    merchant = req.merchant(bp.current_request, write=True).require_owner()
    body = req.body(bp.current_request, schemas.WechatConfig)
    return {"wechat": service.update_wechat(merchant.shop_id, body.model_dump())}


@bp.route("/admin/v1/staff-keys", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateStaffKey, response=schemas.StaffKeyCreated, status=201, errors=(403, 422))
def create_staff_key():
    """The owner creates another staff key with a role."""
    merchant = req.merchant(bp.current_request, write=True).require_owner()
    body = req.body(bp.current_request, schemas.CreateStaffKey)
    return Response(status_code=201, body=service.add_staff_key(merchant.shop_id, body.role, body.label))


@bp.route("/admin/v1/staff-keys", methods=["GET"])
@spec(auth="merchant", response=schemas.StaffKeyPage, errors=(403,))
def list_staff_keys():
    """The shop's staff keys without their secrets."""
    merchant = req.merchant(bp.current_request).require_owner()
    return {"items": service.list_staff_keys(merchant.shop_id), "next_cursor": None}
