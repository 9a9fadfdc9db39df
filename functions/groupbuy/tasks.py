"""The group timer's Lambda tasks (named in infra/statemachines/groupbuy.group_timer.asl.json), the sweep that
starts timers a failed start left owed, and the operator's "restart every owed timer" function.

A task's exception class name is the error the state machine sees: `GroupBusy` and `RefundRetryable`
are retried with backoff, `RefundRefused` (or anything after the retries) is caught and recorded.
"""
from functools import wraps
from typing import Any, Callable, Dict

from chalice import Blueprint, Rate

from crowdcart.observability import flush_metrics, logger
from functions.groupbuy import timer

bp = Blueprint(__name__)
OVERDUE_SECONDS = 60  # the sweep starts timers of groups due at least this long ago


def _step(func: Callable[[Dict[str, Any]], Dict[str, Any]]) -> Callable[[Dict[str, Any], Any], Dict[str, Any]]:
    """Transient failures become GroupBusy, which the state machine retries."""

    @wraps(func)
    def run(event: Dict[str, Any]) -> Dict[str, Any]:
        try:
            return func(event)
        except (timer.GroupBusy, timer.RefundRetryable, timer.RefundRefused):
            raise
        except Exception as exc:
            if timer.transient(exc):
                raise timer.GroupBusy(str(exc)) from exc
            raise
        finally:
            _publish_metrics()

    return run


def _publish_metrics() -> None:
    """Emit this invocation's business metrics (GroupFailed, GroupRefundFailed… carry the alarms). Never
    fails the step: locally many steps share one process and its metric set."""
    try:
        flush_metrics()
    except Exception:
        logger.warning("metrics not published", exc_info=True)


@bp.lambda_function(name="group_settle")
def group_settle(event, context):
    """At the group's deadline: formed → done (a lottery → its draw), open → failed with refunds to make."""
    return _step(timer.settle)(event)


@bp.lambda_function(name="group_draw")
def group_draw(event, context):
    """At a lottery's end: draw the formed group's winners; the others are refunded."""
    return _step(timer.draw)(event)


@bp.lambda_function(name="group_refund")
def group_refund(event, context):
    """Refund one member of a failed group (or a lottery's non-winner); idempotent by cause."""
    return _step(timer.refund_member)(event)


@bp.lambda_function(name="group_refund_failed")
def group_refund_failed(event, context):
    """Record a refund that failed after its retries, for the merchant."""
    return _step(timer.record_refund_failure)(event)


@bp.lambda_function(name="group_finish")
def group_finish(event, context):
    """The group is settled: its timer is no longer owed."""
    return _step(timer.finish)(event)


@bp.lambda_function(name="group_timers_resume")
def group_timers_resume(event, context):
    """(Re)start the timer of every group that still owes one (local engine start, or an operator after an incident)."""
    return timer.restart_timers()


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="group_timers_sweep")
def group_timers_sweep(event):
    """Start the timers of groups overdue by a minute (a start that failed after the group was written)."""
    return timer.restart_timers(overdue_by=OVERDUE_SECONDS)
