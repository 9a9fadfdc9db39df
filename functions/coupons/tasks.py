"""The coupons capability's daily sweeper (AWS: an EventBridge schedule; local: the runner's loop)."""
from chalice import Blueprint, Cron

from functions.coupons import service

bp = Blueprint(__name__)


@bp.schedule(Cron(5, 16, "*", "*", "?", "*"), name="sweep_birthday_coupons")
def sweep_birthday_coupons(event):
    """Every day at 00:05 China Standard Time: issue the birthday coupons whose window opened."""
    return {"looked_at": service.sweep_birthdays()}
