"""HTTP routes of the auth capability."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.auth.wechat_login import adapter
from crowdcart.settings import get_settings
from functions.auth import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/auth/login", methods=["POST"])
@spec(auth="none", request=schemas.Login, response=schemas.LoginResult, errors=(401, 404, 422, 429))
def login():
    """Exchange a wx.login code for a session token."""
    body = req.body(bp.current_request, schemas.Login)
    return service.login(body.shop_id, body.code, adapter(get_settings().wechat_mode))


@bp.route("/v1/me", methods=["GET"])
@spec(auth="shopper", response=schemas.Profile)
def me():
    """The shopper's profile."""
    shopper = req.shopper(bp.current_request)
    return service.profile(shopper.shop_id, shopper.user_id)


@bp.route("/v1/me", methods=["PATCH"])
@spec(auth="shopper", request=schemas.ProfileUpdate, response=schemas.Profile, errors=(409, 422))
def update_me():
    """Change the shopper's profile (birthday once)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.ProfileUpdate)
    return service.update_profile(shopper.shop_id, shopper.user_id, body.model_dump(exclude_none=True))
