"""Scheduled expiry of red packets (AWS: an EventBridge schedule; local: the runner loop)."""
from chalice import Blueprint, Rate

from functions.redpacket import service

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="expire_red_packets")
def expire_red_packets(event):
    """Expire unopened packets past their end, giving their seats back to the campaign."""
    return service.sweep_expired()
