"""Scheduled work of the payments capability: ask WeChat again for refunds whose call failed."""
from chalice import Blueprint, Rate

from crowdcart.payments import refunds

bp = Blueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def retry_refunds(event):
    """Retry due refunds with their same out_refund_no."""
    return {"retried": refunds.retry_due()}
