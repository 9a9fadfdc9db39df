"""HTTP routes of the sandbox capability (registered only in local sandbox mode; see app.py)."""
from chalice import Blueprint

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.sandbox import schemas, service

bp = Blueprint(__name__)


@bp.route("/sandbox/wechatpay/orders/{order_id}/pay", methods=["POST"])
@spec(auth="shopper", request=schemas.SandboxPay, errors=(401, 404, 422), local_only=True)
def sandbox_pay(order_id):
    """The simulator pays the order: a signed, encrypted TRANSACTION.SUCCESS is delivered to our webhook."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.SandboxPay)
    return service.pay(shopper.shop_id, shopper.user_id, order_id, body.amount_fen, body.key)


@bp.route("/sandbox/wechatpay/orders/{order_id}/refunds/{out_refund_no}/notify", methods=["POST"])
@spec(auth="merchant", request=schemas.SandboxRefundNotice, errors=(401, 403, 404, 422), local_only=True)
def sandbox_refund_notice(order_id, out_refund_no):
    """The simulator reports a refund result (SUCCESS, ABNORMAL or CLOSED) to our webhook."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.SandboxRefundNotice)
    return service.notify_refund(merchant.shop_id, order_id, out_refund_no, body.status)
