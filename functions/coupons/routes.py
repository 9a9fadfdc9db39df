"""HTTP routes of the coupons capability (merchant templates, shopper center, claims and wallet)."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.coupons import schemas, service

bp = Blueprint(__name__)
PAGE = {"cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/coupon-templates", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateTemplate, response=schemas.TemplateView, status=201, errors=(403, 422))
def create_template():
    """Create a coupon template (满减, 折扣 or 无门槛) with quota, per-user limit and validity."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateTemplate)
    return Response(status_code=201, body=service.create_template(merchant.shop_id, body.model_dump()))


@bp.route("/admin/v1/coupon-templates", methods=["GET"])
@spec(auth="merchant", query=PAGE, response=schemas.TemplatePage, errors=(400,))
def list_templates():
    """The shop's coupon templates, newest first."""
    merchant, r = req.merchant(bp.current_request), bp.current_request
    return service.list_templates(merchant.shop_id, req.limit(r), req.cursor(r))


@bp.route("/admin/v1/coupon-templates/{template_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.TemplateView, errors=(404,))
def get_template(template_id):
    """A coupon template with its stats (claimed, used, remaining)."""
    merchant = req.merchant(bp.current_request)
    return service.get_template(merchant.shop_id, template_id)


@bp.route("/admin/v1/coupon-templates/{template_id}", methods=["PATCH"])
@spec(auth="merchant", request=schemas.UpdateTemplate, response=schemas.TemplateView, errors=(403, 404, 409, 422))
def update_template(template_id):
    """Enable or disable a template, show or hide it in the center, or add quota."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.UpdateTemplate)
    return service.update_template(merchant.shop_id, template_id, body.model_dump(exclude_none=True))


@bp.route("/admin/v1/coupon-templates/{template_id}/issues", methods=["POST"])
@spec(auth="merchant", request=schemas.IssueToUsers, response=schemas.Issued, errors=(403, 404, 422))
def issue_to_users(template_id):
    """Give one coupon of this template to each listed shopper (idempotent by batch_id)."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.IssueToUsers)
    return service.issue_to_users(merchant.shop_id, template_id, body.batch_id, body.user_ids)


@bp.route("/v1/coupons/center", methods=["GET"])
@spec(auth="shopper", query=PAGE, response=schemas.CenterPage, errors=(400,))
def coupon_center():
    """Claimable coupons, each with how many the shopper holds of their limit."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.center(shopper.shop_id, shopper.user_id, req.limit(r), req.cursor(r))


@bp.route("/v1/coupon-templates/{template_id}/claim", methods=["POST"])
@spec(auth="shopper", response=schemas.Claimed, status=201, headers={"Idempotency-Key": "optional"},
      errors=(404, 409))
def claim(template_id):
    """Claim one coupon; sold out or over the per-user limit is a 409."""
    shopper = req.shopper(bp.current_request)
    key = (req.header(bp.current_request, "idempotency-key") or "").strip()[:255] or None
    return Response(status_code=201, body=service.claim(shopper.shop_id, shopper.user_id, template_id, key))


@bp.route("/v1/me/coupons", methods=["GET"])
@spec(auth="shopper", query=dict(PAGE, status="string"), response=schemas.CouponPage, errors=(400,))
def my_coupons():
    """The shopper's coupons: unused (default, soonest to expire first), used or expired."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.my_coupons(shopper.shop_id, shopper.user_id, req.query(r).get("status"), req.limit(r),
                              req.cursor(r))


@bp.route("/v1/me/coupons/{coupon_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.CouponView, errors=(404,))
def my_coupon(coupon_id):
    """One coupon of the shopper's wallet."""
    shopper = req.shopper(bp.current_request)
    return service.my_coupon(shopper.shop_id, shopper.user_id, coupon_id)
