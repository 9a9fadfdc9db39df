"""The group timer: starting a group's execution, and the steps its state machine's tasks run
(infra/statemachines/groupbuy.group_timer.asl.json).

Every step reads the group again and is safe to run twice (a retried Lambda, a restarted timer):
transitions are conditional, refunds are idempotent by cause (deterministic out_refund_no).
Each step returns the next state for the state machine: {shop_id, group_id, deadline, status, …}
with status `wait` (not due yet), `draw` (a formed lottery waits for `draw_at`), `refund` (the
Map refunds `refunds`) or `done`.
"""
import json
from typing import Any, Dict, List, Optional

from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException

from crowdcart import workflows
from crowdcart.clock import iso, now
from crowdcart.db.connection import Entity
from crowdcart.db.models.groups import (FAILED, FORMED, LOTTERY, OPEN, PAID, PENDING, TIMER_DUE, Group, GroupBuy,
                                        GroupBuySeats, GroupMember)
from crowdcart.db.models.orders import Order
from crowdcart.db.orders import cancel_unpaid, get_order
from crowdcart.db.writes import ConditionFailed, Transaction, TransactionConflict, run_transaction, update_if
from crowdcart.domain import groups as rules
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, CrowdcartError, NotFound, ServiceUnavailable, Unprocessable
from crowdcart.observability import business_event, logger
from crowdcart.payments.refunds import request_refund
from crowdcart.purchase.group_buy import load_group, members, order_activity

MACHINE = "group_timer"
GROUP_FAILED, LOTTERY_LOST = "group_failed", "lottery_lost"
REASONS = {GROUP_FAILED: "group did not form in time", LOTTERY_LOST: "lottery group: not drawn"}
FINISHED_REFUNDS = ("succeeded", "nothing_left")
RESCUE_AFTER_SECONDS = 900  # a timer still owed this long after it was due gets a second execution


class GroupBusy(Exception):
    """A transient failure (conflicts, throttling, DynamoDB unavailable): the state machine retries."""


class RefundRetryable(Exception):
    """The refund could not be asked for now (another refund in flight, DynamoDB busy): retried with backoff."""


class RefundRefused(Exception):
    """The refund cannot be made automatically; the failure is recorded for the merchant."""


def execution_name(group_id: str) -> str:
    """A group's execution name: the idempotency key of its timer."""
    return f"group-{group_id}"


def timer_input(group: Group) -> Dict[str, Any]:
    """The execution's input: always the same for a group, so a repeated start is idempotent."""
    return {"shop_id": group.shop_id, "group_id": group.group_id, "deadline": iso(int(group.expires_at))}


def start_timer(group: Group, name: Optional[str] = None) -> str:
    """Start the group's execution: `running` (started now, or already running with the same input),
    `exists` (it finished), `unavailable` (no engine in this process) or `error` (logged; the sweep
    tries again)."""
    try:
        started = workflows.start(MACHINE, name or execution_name(group.group_id), timer_input(group))
    except workflows.WorkflowUnavailable:
        logger.warning("no state machine for group timers", extra={"group_id": group.group_id})
        return "unavailable"
    except Exception:  # the group exists and is on the DUE index: the sweep starts its timer later
        logger.exception("group timer did not start", extra={"shop_id": group.shop_id, "group_id": group.group_id})
        business_event("GroupTimerStartFailed", shop_id=group.shop_id, group_id=group.group_id)
        return "error"
    return "running" if started else "exists"


def _owed(upto: int) -> List[Group]:
    """Groups whose timer is owed by `upto` (DUE index), read back from the table."""
    found, start = [], None
    while True:
        page = Entity.due.query(TIMER_DUE, Entity.DUESK <= f"{upto:010d}~", last_evaluated_key=start, limit=100)
        keys = [(item.PK, item.SK) for item in page]
        found += [g for g in Entity.batch_get(keys) if isinstance(g, Group)] if keys else []
        start = page.last_evaluated_key
        if not start:
            return found


def restart_timers(overdue_by: Optional[int] = None) -> Dict[str, int]:
    """(Re)start the timer of every group that still owes one; with `overdue_by`, only of those due at
    least that many seconds ago (the sweep: a start that failed, a lost execution)."""
    moment = now()
    upto = moment - overdue_by if overdue_by is not None else 10 ** 10 - 1
    counts = {"running": 0, "exists": 0, "unavailable": 0, "error": 0, "rescued": 0}
    for group in _owed(upto):
        outcome = start_timer(group)
        counts[outcome] += 1
        due_at = int(group.draw_at) if group.status == FORMED and group.draw_at else int(group.expires_at)
        if overdue_by is not None and outcome == "exists" and moment - due_at >= RESCUE_AFTER_SECONDS:
            # its execution ended without settling (e.g. retries exhausted): every step is idempotent,
            # so a second execution, named by the hour, finishes the work
            if start_timer(group, f"{execution_name(group.group_id)}-r{moment // 3600}") == "running":
                counts["rescued"] += 1
                business_event("GroupTimerRescued", shop_id=group.shop_id, group_id=group.group_id)
    return counts


def _ids(event: Dict[str, Any]) -> tuple:
    return str(event["shop_id"]), str(event["group_id"])


def _step(group: Group, status: str, **more: Any) -> Dict[str, Any]:
    return dict(timer_input(group), status=status, **more)


def _refund_item(member: GroupMember, cause: str) -> Dict[str, str]:
    return {"shop_id": member.shop_id, "group_id": member.group_id, "order_id": member.order_id,
            "user_id": member.user_id, "cause": cause}


def _fail(group: Group) -> Group:
    """open → failed, only if still open and past its deadline (a last-moment payment may have formed it)."""
    moment = now()

    def build() -> Transaction:
        tx = Transaction()
        tx.update("group", Group(*Group.key(group.shop_id, group.group_id)),
                  [Group.status.set(FAILED), Group.failed_at.set(moment), Group.GSI1PK.remove(), Group.GSI1SK.remove()],
                  condition=(Group.status == OPEN) & (Group.expires_at <= moment))
        return tx

    try:
        run_transaction(build)
        business_event("GroupFailed", shop_id=group.shop_id, group_id=group.group_id, paid=int(group.paid_count))
    except ConditionFailed:
        pass
    return load_group(group.shop_id, group.group_id) or group


def _cancel_unpaid(group: Group, seated: List[GroupMember]) -> None:
    """Cancel the unpaid orders of a failed group (their seats and stock go back)."""
    for member in seated:
        if member.status != PENDING:
            continue
        try:
            order = get_order(group.shop_id, member.order_id, consistent=True)
            if order.status == states.PENDING_PAYMENT:
                cancel_unpaid(order, "group_timer", "group_failed")
        except (Conflict, NotFound):
            continue  # paid, cancelled or refused meanwhile: the payment path decides


def settle(event: Dict[str, Any]) -> Dict[str, Any]:
    """At the deadline: formed → done (a lottery goes on to its draw); open → failed, unpaid orders
    cancelled, paid members listed for refunds."""
    shop_id, group_id = _ids(event)
    group = load_group(shop_id, group_id)
    if group is None:
        return dict(event, status="done", missing=True)
    step = rules.next_step(group.status, group.kind, now(), int(group.expires_at), group.draw is not None,
                           group.settled_at is not None)
    if step == rules.FAIL:
        group = _fail(group)
        step = rules.next_step(group.status, group.kind, now(), int(group.expires_at), group.draw is not None,
                               group.settled_at is not None)
    if step == rules.WAIT:
        return _step(group, "wait")
    if step == rules.DRAW:
        return _step(group, "draw", draw_at=iso(int(group.draw_at)))
    if step == rules.REFUND:
        return _step(group, "refund", refunds=_refunds(group))
    if group.status == FORMED and group.settled_at is None:
        _mark_settled(group)
    return _step(group, "done")


def _refunds(group: Group) -> List[Dict[str, str]]:
    """Who the Map refunds: a failed group's paid members (its unpaid orders are cancelled first), or a
    drawn lottery's members who did not win. Members already refunded are left out."""
    seated = members(group.shop_id, group.group_id)
    if group.status == FAILED:
        _cancel_unpaid(group, seated)
        owed, cause = [m for m in seated if m.status == PAID], GROUP_FAILED
    else:
        winners = set((group.draw or {}).get("winners") or [])
        owed, cause = [m for m in seated if m.status == PAID and m.user_id not in winners], LOTTERY_LOST
    return [_refund_item(m, cause) for m in owed if m.refund_status not in FINISHED_REFUNDS]


def draw(event: Dict[str, Any]) -> Dict[str, Any]:
    """At the activity's end, a formed lottery group draws its winners (once, recorded with the revealed
    seed); winners' orders become ready to ship, the others are listed for refunds."""
    shop_id, group_id = _ids(event)
    group = load_group(shop_id, group_id)
    if group is None or group.kind != LOTTERY or group.status != FORMED:
        return settle(event)
    if now() < int(group.draw_at):
        return _step(group, "draw", draw_at=iso(int(group.draw_at)))
    if group.draw is None:
        group = _draw(group)
    return _step(group, "refund", refunds=_refunds(group))


def _draw(group: Group) -> Group:
    buy = GroupBuy.get(*GroupBuy.key(group.shop_id, group.activity_id), consistent_read=True)
    paid = [m for m in members(group.shop_id, group.group_id) if m.status == PAID]
    record = rules.draw_record(buy.seed, group.group_id, [m.user_id for m in paid], int(group.winners), now())
    winners = set(record["winners"])

    def build() -> Transaction:
        tx = Transaction()
        tx.update("group", Group(*Group.key(group.shop_id, group.group_id)), [Group.draw.set(record)],
                  condition=(Group.status == FORMED) & Group.draw.does_not_exist())
        for member in paid:
            won = member.user_id in winners
            actions = [Order.activity.set(order_activity(group.activity_id, group.group_id, group.kind, member.role,
                                                         "won" if won else "lost", won))]
            tx.update(f"order:{member.order_id}", Order(*Order.key(group.shop_id, member.order_id)),
                      actions + ([Order.ship_hold.remove()] if won else []))
        return tx

    try:
        run_transaction(build)
        business_event("LotteryDrawn", shop_id=group.shop_id, group_id=group.group_id, winners=len(winners))
    except ConditionFailed:
        pass  # drawn by an earlier run of this step
    return load_group(group.shop_id, group.group_id) or group


def refund_member(event: Dict[str, Any]) -> Dict[str, Any]:
    """Refund what a member paid (deterministic out_refund_no per group and cause) and give their seat back."""
    shop_id, group_id = _ids(event)
    cause = f"{event['cause']}:{group_id}"
    member = GroupMember.get(*GroupMember.key(shop_id, group_id, event["user_id"]), consistent_read=True)
    order = get_order(shop_id, event["order_id"], consistent=True)
    left = int(order.payable_fen) - int(order.refunded_fen or 0)
    if left <= 0:
        _record_refund(member, cause, None, "nothing_left")
        return {"order_id": order.order_id, "status": "nothing_left"}
    restock = order.status == states.PAID and not order.shipped_at
    try:
        refund = request_refund(order, left, REASONS.get(event["cause"], "group buy"), cause, restock=restock,
                                actor="group_timer")
    except Conflict as exc:
        if exc.code in ("refund_in_progress", "order_state"):
            raise RefundRetryable(f"{exc.code}: {exc.message}") from exc
        raise RefundRefused(f"{exc.code}: {exc.message}") from exc
    except Unprocessable as exc:
        raise RefundRefused(f"{exc.code}: {exc.message}") from exc
    except (ServiceUnavailable, TransactionConflict, PynamoDBException, BotoCoreError) as exc:
        raise RefundRetryable(str(exc)) from exc
    _record_refund(member, cause, refund.out_refund_no, refund.status)
    return {"order_id": order.order_id, "out_refund_no": refund.out_refund_no, "status": refund.status}


def _record_refund(member: GroupMember, cause: str, out_refund_no: Optional[str], status: str) -> None:
    """Note the refund on the member and, the first time, give their seat back to the per-user limit."""
    ref = GroupMember(*GroupMember.key(member.shop_id, member.group_id, member.user_id))
    actions = [GroupMember.refund_cause.set(cause), GroupMember.refund_status.set(status),
               GroupMember.refund_error.remove(), GroupMember.GSI1PK.remove(), GroupMember.GSI1SK.remove()]
    if out_refund_no:
        actions.append(GroupMember.refund_no.set(out_refund_no))

    def build() -> Transaction:
        tx = Transaction()
        tx.update("member", ref, actions + [GroupMember.seat_released_at.set(now())],
                  condition=GroupMember.seat_released_at.does_not_exist())
        tx.update("seats", GroupBuySeats(*GroupBuySeats.key(member.shop_id, member.activity_id, member.user_id)),
                  [GroupBuySeats.seats.add(-1)])
        return tx

    try:
        run_transaction(build)
    except ConditionFailed:
        update_if("member", ref, actions)


def record_refund_failure(event: Dict[str, Any]) -> Dict[str, Any]:
    """A refund that failed after its retries: kept on the member and listed for the merchant."""
    shop_id, group_id = _ids(event)
    error = event.get("error") or {}
    message = str(error.get("Error") or "Error")
    try:
        message += ": " + str(json.loads(error.get("Cause") or "{}").get("errorMessage") or "")
    except ValueError:
        message += ": " + str(error.get("Cause") or "")
    ref = GroupMember(*GroupMember.key(shop_id, group_id, event["user_id"]))
    issue = GroupMember.issue_keys(shop_id, group_id, event["user_id"], now())
    update_if("member", ref, [GroupMember.refund_cause.set(f"{event['cause']}:{group_id}"),
                              GroupMember.refund_status.set("failed"), GroupMember.refund_error.set(message[:300]),
                              GroupMember.GSI1PK.set(issue["GSI1PK"]), GroupMember.GSI1SK.set(issue["GSI1SK"])])
    business_event("GroupRefundFailed", shop_id=shop_id, group_id=group_id, order_id=event.get("order_id"))
    logger.error("group refund failed", extra={"shop_id": shop_id, "group_id": group_id,
                                               "order_id": event.get("order_id"), "error": message[:300]})
    return {"order_id": event.get("order_id"), "status": "failed", "error": message[:300]}


def _mark_settled(group: Group) -> None:
    try:
        update_if("group", Group(*Group.key(group.shop_id, group.group_id)),
                  [Group.settled_at.set(now()), Group.DUEPK.remove(), Group.DUESK.remove()],
                  condition=Group.status.is_in(FORMED, FAILED))
    except ConditionFailed:
        pass


def finish(event: Dict[str, Any]) -> Dict[str, Any]:
    """After the refunds: the group is settled and leaves the DUE index (its timer is no longer owed)."""
    shop_id, group_id = _ids(event)
    group = load_group(shop_id, group_id)
    if group is not None:
        _mark_settled(group)
    results = event.get("refunded") or []
    failed = sum(1 for r in results if isinstance(r, dict) and r.get("status") == "failed")
    business_event("GroupSettled", shop_id=shop_id, group_id=group_id, refunds=len(results), refund_failures=failed)
    return {"shop_id": shop_id, "group_id": group_id, "status": "done", "refunds": len(results),
            "refund_failures": failed}


def transient(exc: Exception) -> bool:
    """True for failures worth retrying as they are (the tasks raise GroupBusy for these)."""
    return isinstance(exc, (ServiceUnavailable, TransactionConflict, PynamoDBException, BotoCoreError)) or (
        isinstance(exc, CrowdcartError) and exc.status >= 500)

