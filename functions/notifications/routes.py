"""HTTP routes of notifications."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.notifications import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/me/notifications", methods=["GET"])
@spec(auth="shopper", query={"cursor": "string", "limit": "integer"}, response=schemas.NotificationPage,
      errors=(400,))
def list_notifications():
    """The shopper's notifications, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.list_notifications(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))
