"""HTTP routes of the bargain capability (buying is checkout's POST /v1/orders with activity
{type: "bargain", id: <session id>})."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.bargain import schemas, service

bp = Blueprint(__name__)

_PAGE = {"cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/bargains", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateBargain, response=schemas.Created, status=201,
      errors=(401, 403, 404, 409, 422))
def create_bargain():
    """Create a bargain activity on one SKU."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateBargain)
    return Response(status_code=201, body=service.create_bargain(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/bargains", methods=["GET"])
@spec(auth="merchant", response=schemas.BargainPage, query=_PAGE, errors=(400, 401, 403))
def list_bargains_admin():
    """The shop's bargain activities, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.list_bargains(merchant.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request),
                                 for_merchant=True)


@bp.route("/admin/v1/bargains/{bargain_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.BargainAdminView, errors=(401, 403, 404))
def get_bargain_admin(bargain_id):
    """One bargain with its stats: sessions, helps, helps by new shoppers, units sold."""
    merchant = req.merchant(bp.current_request)
    return service.get_bargain(merchant.shop_id, bargain_id, for_merchant=True)


@bp.route("/admin/v1/bargains/{bargain_id}/end", methods=["POST"])
@spec(auth="merchant", response=schemas.BargainAdminView, errors=(401, 403, 404, 409))
def end_bargain(bargain_id):
    """Stop new sessions now; started sessions run until they expire."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.end_bargain(merchant.shop_id, bargain_id)


@bp.route("/admin/v1/bargains/{bargain_id}/sessions", methods=["GET"])
@spec(auth="merchant", response=schemas.SessionPage, query=_PAGE, errors=(400, 401, 403, 404))
def list_bargain_sessions(bargain_id):
    """A bargain's sessions, newest first."""
    merchant = req.merchant(bp.current_request)
    return service.bargain_sessions(merchant.shop_id, bargain_id, req.limit(bp.current_request),
                                    req.cursor(bp.current_request))


@bp.route("/v1/bargains", methods=["GET"])
@spec(auth="shopper", response=schemas.BargainPage, query=_PAGE, errors=(400, 401, 403))
def list_bargains():
    """Bargains not ended yet, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.list_bargains(shopper.shop_id, req.limit(bp.current_request), req.cursor(bp.current_request))


@bp.route("/v1/bargains/{bargain_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.BargainView, errors=(401, 403, 404))
def get_bargain(bargain_id):
    """One bargain activity."""
    shopper = req.shopper(bp.current_request)
    return service.get_bargain(shopper.shop_id, bargain_id)


@bp.route("/v1/bargains/{bargain_id}/sessions", methods=["POST"])
@spec(auth="shopper", response=schemas.SessionCreated, status=201, errors=(401, 403, 404, 409))
def start_session(bargain_id):
    """Start a bargain session to share with friends (at most per_user_limit per shopper)."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.start_session(shopper.shop_id, bargain_id, shopper.user_id))


@bp.route("/v1/me/bargain-sessions", methods=["GET"])
@spec(auth="shopper", response=schemas.SessionPage, query=_PAGE, errors=(400, 401, 403))
def my_sessions():
    """The caller's bargain sessions, newest first."""
    shopper = req.shopper(bp.current_request)
    return service.my_sessions(shopper.shop_id, shopper.user_id, req.limit(bp.current_request),
                               req.cursor(bp.current_request))


@bp.route("/v1/bargain-sessions/{session_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.SessionView, errors=(401, 403, 404))
def get_session(session_id):
    """A bargain session with its helpers (any shopper of the shop may open a shared session)."""
    shopper = req.shopper(bp.current_request)
    return service.get_session(shopper.shop_id, session_id, shopper.user_id)


@bp.route("/v1/bargain-sessions/{session_id}/helps", methods=["POST"])
@spec(auth="shopper", response=schemas.HelpResult, errors=(401, 403, 404, 409, 503))
def help_session(session_id):
    """Help a friend's bargain: one cut per friend per session (409 the second time)."""
    shopper = req.shopper(bp.current_request)
    return service.help_session(shopper.shop_id, session_id, shopper.user_id)
