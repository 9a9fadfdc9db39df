"""HTTP routes of the payments capability."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.payments import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/orders/{order_id}/pay", methods=["POST"])
@spec(auth="shopper", response=schemas.PayOut, errors=(401, 403, 404, 409, 503))
def pay_order(order_id):
    """wx.requestPayment parameters (JSAPI prepay) for the shopper's pending order."""
    shopper = req.shopper(bp.current_request)
    return service.pay(shopper.shop_id, shopper.user_id, order_id)


def _notification(shop_id=None):
    request = bp.current_request
    status, body = service.receive_notification(request.headers, request.raw_body, shop_id)
    return Response(status_code=status, body=body if body is not None else "")


@bp.route("/webhooks/wechatpay/{shop_id}", methods=["POST"])
@spec(auth="wechatpay", status=204, errors=(400, 401, 404, 409, 500, 503),
      summary="WeChat Pay v3 notification for one shop (the notify_url we register)")
def wechatpay_shop_webhook(shop_id):
    """WeChat Pay v3 notification; the path names the shop whose keys must verify it."""
    return _notification(shop_id)


@bp.route("/webhooks/wechatpay", methods=["POST"])
@spec(auth="wechatpay", status=204, errors=(400, 401, 404, 409, 500, 503))
def wechatpay_webhook():
    """WeChat Pay v3 notification; the shop is found by the Wechatpay-Serial it was signed with."""
    return _notification()


@bp.route("/admin/v1/wechat/pay", methods=["GET"])
@spec(auth="merchant", response=schemas.PayKeysOut, errors=(403,))
def get_pay_keys():
    """The shop's WeChat Pay keys, whether its secrets are stored, and the notify_url."""
    merchant = req.merchant(bp.current_request)
    return service.pay_keys(merchant.shop_id)


@bp.route("/admin/v1/wechat/pay", methods=["PUT"])
@spec(auth="merchant", request=schemas.PayKeys, response=schemas.PayKeysOut, errors=(403, 409, 422))
def put_pay_keys():
    """Set the merchant serial and WeChat Pay public keys / platform certificates (owner only)."""
    merchant = req.merchant(bp.current_request, write=True).require_owner()
    body = req.body(bp.current_request, schemas.PayKeys)
    return service.set_pay_keys(merchant.shop_id, body)


@bp.route("/admin/v1/orders/{order_id}/refunds", methods=["GET"])
@spec(auth="merchant", response=schemas.RefundList, errors=(403, 404))
def list_order_refunds(order_id):
    """The refunds of an order with their WeChat Pay status (abnormal/closed ones need the merchant)."""
    merchant = req.merchant(bp.current_request)
    return service.order_refunds(merchant.shop_id, order_id)
