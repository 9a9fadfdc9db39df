"""Shared by the group-buy tests: the in-process Step Functions engine fixture and small helpers.

The engine is local/stepfunctions.py — moto's ASL interpreter running infra/statemachines/*.asl.json
with Lambda tasks dispatched to app.app's handlers, against DynamoDB Local.
"""
import time
import uuid
from typing import Any, Dict, Optional

import pytest

from crowdcart.db.models.groups import Group
from crowdcart.db.orders import get_order
from crowdcart.payments.sandbox import pay_order
from crowdcart.purchase.group_buy import load_group, members

ADDRESS = {"name": "李雷", "phone": "13800138000", "province": "上海", "city": "上海", "detail": "人民大道 1 号"}
SEAT = {"delivery": {"type": "express", "address": ADDRESS}}
MACHINE = "group_timer"


@pytest.fixture(scope="module")
def sfn():
    """The local Step Functions engine for this test module (stopped, executions aborted, afterwards)."""
    import app as application
    from local.stepfunctions import LocalStepFunctions

    engine = LocalStepFunctions(application.app).start()
    try:
        yield engine
    finally:
        engine.stop()


def ready_to_pay(shop_id: str) -> None:
    """Provision the shop's sandbox WeChat Pay account now (its first use costs seconds): timed steps that
    follow then only pay."""
    from crowdcart.payments.config import merchant_config

    merchant_config(shop_id)


def paid(shop_id: str, order_id: str) -> None:
    """Pay and insist it was taken as a payment (a slow machine that missed a deadline fails loudly here)."""
    outcome = pay(shop_id, order_id)["notification"]["outcome"]
    assert outcome == "paid", f"payment of {order_id} was {outcome}: setup too slow for the group's duration?"


def key() -> Dict[str, str]:
    """A fresh Idempotency-Key header."""
    return {"Idempotency-Key": str(uuid.uuid4())}


def create_activity(api: Any, shop: Dict[str, str], sku_id: str, **fields: Any) -> str:
    """A group-buy activity through the merchant API; returns its id."""
    body = {"sku_id": sku_id, "group_price_fen": 500, "group_size": 2, "duration_seconds": 3600, "kind": "normal"}
    body.update(fields)
    reply = api.post("/admin/v1/group-buys", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def open_group(api: Any, shopper: Dict[str, str], activity_id: str) -> Dict[str, Any]:
    """The shopper opens a group; returns {group_id, order_id, expires_at}."""
    reply = api.post(f"/v1/group-buys/{activity_id}/groups", SEAT, token=shopper["token"], headers=key())
    assert reply.status == 201, reply.body
    return reply.body


def join(api: Any, shopper: Dict[str, str], group_id: str) -> Any:
    """The shopper asks to join; returns the reply."""
    return api.post(f"/v1/groups/{group_id}/join", SEAT, token=shopper["token"], headers=key())


def pay(shop_id: str, order_id: str) -> Dict[str, Any]:
    """WeChat (the sandbox) pays the order: a signed notification through the real webhook path."""
    return pay_order(get_order(shop_id, order_id, consistent=True))


def group(shop_id: str, group_id: str) -> Group:
    """The group, read consistently."""
    found = load_group(shop_id, group_id)
    assert found is not None
    return found


def settled(engine: Any, group_id: str, timeout: float = 60.0) -> Dict[str, Any]:
    """Wait for the group's execution to end; returns its description."""
    described = engine.wait(MACHINE, f"group-{group_id}", timeout)
    assert described["status"] != "RUNNING", described
    return described


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy; returns its value (or the last falsy one)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def seat_of(shop_id: str, group_id: str, user_id: str) -> Optional[Any]:
    """A member item, or None."""
    return next((m for m in members(shop_id, group_id) if m.user_id == user_id), None)
