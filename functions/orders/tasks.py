"""Scheduled sweepers of the orders capability (AWS: EventBridge schedules; local: runner loops), and the
data migrations a deploy runs once (AWS: invoke `run_migrations`; local: the runner runs them at start)."""
from chalice import Blueprint, Rate

from crowdcart.db import migrations
from functions.orders import service

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="sweep_pay_timeouts")
def sweep_pay_timeouts(event):
    """Cancel unpaid orders past their deadline."""
    return service.sweep_pay_timeouts()


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="sweep_auto_receive")
def sweep_auto_receive(event):
    """Confirm receipt of shipped orders past their receive deadline."""
    return service.sweep_auto_receive()


@bp.schedule(Rate(1, unit=Rate.HOURS), name="sweep_auto_complete")
def sweep_auto_complete(event):
    """Complete received orders after the after-sales window."""
    return service.sweep_auto_complete()


@bp.lambda_function(name="run_migrations")
def run_migrations(event, context):
    """Run the data migrations this table has not recorded yet; returns {name: items rewritten}."""
    return migrations.run_pending()
