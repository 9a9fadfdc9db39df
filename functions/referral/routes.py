"""HTTP routes of the referral capability (commissions themselves move with order events: see
crowdcart.reactions.referral)."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.referral import schemas, service

bp = Blueprint(__name__)
_PAGE = {"cursor": "string", "limit": "integer"}
_LIST = {"status": "string", **_PAGE}


@bp.route("/admin/v1/referral/program", methods=["GET"])
@spec(auth="merchant", response=schemas.ProgramView, errors=(401, 403))
def get_program():
    """The shop's referral programme (rates, approval, binding expiry)."""
    merchant = req.merchant(bp.current_request)
    return service.get_program(merchant.shop_id)


@bp.route("/admin/v1/referral/program", methods=["PUT"])
@spec(auth="merchant", request=schemas.ProgramSettings, response=schemas.ProgramView, errors=(401, 403, 422))
def put_program():
    """Set up the referral programme; new rates apply to orders received from now on."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.ProgramSettings)
    return service.put_program(merchant.shop_id, body.model_dump())


@bp.route("/admin/v1/referral/promoters", methods=["GET"])
@spec(auth="merchant", response=schemas.PromoterPage, query=_LIST, errors=(400, 401, 403))
def list_promoters():
    """Promoters in one status (default pending: the approval queue)."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_promoters(merchant.shop_id, req.query(r).get("status"), req.limit(r), req.cursor(r))


@bp.route("/admin/v1/referral/promoters/{user_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.PromoterView, errors=(401, 403, 404))
def get_promoter(user_id):
    """One promoter with balances."""
    merchant = req.merchant(bp.current_request)
    return service.merchant_promoter(merchant.shop_id, user_id)


@bp.route("/admin/v1/referral/promoters/{user_id}/approve", methods=["POST"])
@spec(auth="merchant", response=schemas.PromoterView, errors=(401, 403, 404, 409))
def approve_promoter(user_id):
    """Approve a pending application."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.decide_promoter(merchant.shop_id, user_id, approve=True)


@bp.route("/admin/v1/referral/promoters/{user_id}/reject", methods=["POST"])
@spec(auth="merchant", response=schemas.PromoterView, errors=(401, 403, 404, 409))
def reject_promoter(user_id):
    """Reject a pending application."""
    merchant = req.merchant(bp.current_request, write=True)
    return service.decide_promoter(merchant.shop_id, user_id, approve=False)


@bp.route("/admin/v1/referral/withdrawals", methods=["GET"])
@spec(auth="merchant", response=schemas.WithdrawalPage, query=_LIST, errors=(400, 401, 403))
def list_withdrawals():
    """Withdrawals in one status (default requested: the queue)."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_withdrawals(merchant.shop_id, req.query(r).get("status"), req.limit(r), req.cursor(r))


@bp.route("/admin/v1/referral/withdrawals/{withdrawal_id}/approve", methods=["POST"])
@spec(auth="merchant", request=schemas.Decision, response=schemas.WithdrawalView, errors=(401, 403, 404, 409, 422))
def approve_withdrawal(withdrawal_id):
    """Record that the merchant paid a withdrawal (the WeChat Pay transfer itself happens outside Crowdcart)."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Decision)
    return service.decide_withdrawal(merchant.shop_id, withdrawal_id, True, body.note)


@bp.route("/admin/v1/referral/withdrawals/{withdrawal_id}/reject", methods=["POST"])
@spec(auth="merchant", request=schemas.Decision, response=schemas.WithdrawalView, errors=(401, 403, 404, 409, 422))
def reject_withdrawal(withdrawal_id):
    """Reject a withdrawal; its amount becomes available again."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Decision)
    return service.decide_withdrawal(merchant.shop_id, withdrawal_id, False, body.note)


@bp.route("/v1/referral/promoters", methods=["POST"])
@spec(auth="shopper", response=schemas.PromoterView, status=201, errors=(401, 403, 409))
def apply():
    """Apply to become a promoter (approved at once unless the shop approves applications)."""
    shopper = req.shopper(bp.current_request)
    return Response(status_code=201, body=service.apply(shopper.shop_id, shopper.user_id))


@bp.route("/v1/me/referral", methods=["GET"])
@spec(auth="shopper", response=schemas.MyReferral, errors=(401, 403))
def my_referral():
    """The programme, the caller's promoter record and balances, and who referred them."""
    shopper = req.shopper(bp.current_request)
    return service.me(shopper.shop_id, shopper.user_id)


@bp.route("/v1/referral/bindings", methods=["POST"])
@spec(auth="shopper", request=schemas.Bind, response=schemas.BindingView, status=201,
      errors=(401, 403, 404, 409, 422))
def bind():
    """Bind the caller to the promoter of the referral link they opened (the first binding wins)."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.Bind)
    return Response(status_code=201, body=service.bind(shopper.shop_id, shopper.user_id, body.promoter_id))


@bp.route("/v1/referral/share", methods=["GET"])
@spec(auth="shopper", response=schemas.SharePayload, errors=(401, 403, 409))
def share_payload():
    """The promoter's share card (title, image, a path carrying their referral)."""
    shopper = req.shopper(bp.current_request)
    return service.share_payload(shopper.shop_id, shopper.user_id)


@bp.route("/v1/referral/shares", methods=["POST"])
@spec(auth="shopper", status=204, errors=(401, 403, 409))
def record_share():
    """The mini-program reports that the promoter shared their card."""
    shopper = req.shopper(bp.current_request)
    service.record_share(shopper.shop_id, shopper.user_id)
    return Response(status_code=204, body="")


@bp.route("/v1/me/referral/commissions", methods=["GET"])
@spec(auth="shopper", response=schemas.CommissionPage, query=_PAGE, errors=(400, 401, 403))
def my_commissions():
    """The caller's commissions, newest first (frozen until the order's after-sales window closes)."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.commissions(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))


@bp.route("/v1/me/referral/invitees", methods=["GET"])
@spec(auth="shopper", response=schemas.InviteePage, query=_PAGE, errors=(400, 401, 403))
def my_invitees():
    """Shoppers bound to the caller, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.invitees(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))


@bp.route("/v1/me/referral/withdrawals", methods=["POST"])
@spec(auth="shopper", request=schemas.WithdrawalRequest, response=schemas.WithdrawalView, status=201,
      headers={"Idempotency-Key": "optional"}, errors=(401, 403, 409, 422))
def request_withdrawal():
    """Ask the merchant to pay out available commission (the same Idempotency-Key, one request)."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    body = req.body(r, schemas.WithdrawalRequest)
    key = (req.header(r, "idempotency-key") or "").strip()[:255] or None
    return Response(status_code=201, body=service.request_withdrawal(shopper.shop_id, shopper.user_id,
                                                                     body.amount_fen, key))


@bp.route("/v1/me/referral/withdrawals", methods=["GET"])
@spec(auth="shopper", response=schemas.WithdrawalPage, query=_PAGE, errors=(400, 401, 403))
def my_withdrawals():
    """The caller's withdrawals, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.my_withdrawals(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))
