"""Scheduled settlement of ended flash sales (AWS: an EventBridge schedule; local: the runner loop)."""
from chalice import Blueprint, Rate

from functions.flashsale import service

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="settle_flash_sales")
def settle_flash_sales(event):
    """Give what ended flash sales did not sell back to their SKUs."""
    return service.sweep_settlements()
