"""The group timer's real ASL (infra/statemachines/groupbuy.group_timer.asl.json) executed by moto's engine,
its Lambda tasks dispatched in-process to our handlers, against DynamoDB Local."""
import json
import time

import pytest

from crowdcart import workflows
from crowdcart.db.orders import get_order
from crowdcart.domain import groups as rules
from crowdcart.errors import Conflict, ServiceUnavailable
from crowdcart.payments.refunds import refunds_of
from functions.groupbuy import timer
from tests.concurrency.conftest import race
from tests.fakes.catalog import make_sku
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.statemachines.support import (MACHINE, create_activity, group, join, open_group, paid,  # noqa: F401
                                         ready_to_pay, settled, sfn)

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


def test_every_task_of_the_asl_is_a_registered_handler(sfn):
    definition = sfn._client.describe_state_machine(stateMachineArn=sfn.machines[MACHINE])["definition"]
    named = {arn.rsplit(":", 1)[1] for arn in json.loads(definition) and _function_arns(json.loads(definition))}
    assert named == {"group_settle", "group_draw", "group_refund", "group_refund_failed", "group_finish"}
    assert named <= set(sfn.handlers)


def _function_arns(node):
    if isinstance(node, dict):
        found = {node["FunctionName"]} if isinstance(node.get("FunctionName"), str) else set()
        return found.union(*(_function_arns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_function_arns(v) for v in node)) if node else set()
    return set()


def test_starting_a_groups_execution_three_times_leaves_one(api, shop, shopper, sfn):
    activity = create_activity(api, shop, make_sku(shop["shop_id"]), duration_seconds=60)
    opened = open_group(api, shopper, activity)  # the open already started it
    found = group(shop["shop_id"], opened["group_id"])
    outcomes = race([lambda: timer.start_timer(found) for _ in range(3)])
    assert outcomes == ["running"] * 3  # same name, same input, still running: StartExecution is idempotent
    mine = [e for e in sfn.executions(MACHINE) if e["name"] == f"group-{opened['group_id']}"]
    assert len(mine) == 1 and mine[0]["status"] == "RUNNING"
    assert json.loads(sfn.describe(MACHINE, mine[0]["name"])["input"]) == timer.timer_input(found)


def test_a_refund_that_keeps_failing_is_retried_then_recorded_for_the_merchant(api, shop, shopper, sfn, monkeypatch):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    friend = api.login(shop_id, "friend")
    activity = create_activity(api, shop, make_sku(shop_id), group_size=3, duration_seconds=5)
    opened = open_group(api, shopper, activity)
    joined = join(api, friend, opened["group_id"]).body
    paid(shop_id, opened["order_id"])
    paid(shop_id, joined["order_id"])
    calls = {"busy": 0, "refused": 0}
    real = timer.request_refund

    def flaky(order, *args, **kwargs):
        if order.order_id == opened["order_id"]:
            calls["refused"] += 1
            raise Conflict("order_not_refundable", "simulated: the merchant refunded it by hand")
        if calls["busy"] < 2:
            calls["busy"] += 1
            raise ServiceUnavailable("busy", "simulated: DynamoDB throttled")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(timer, "request_refund", flaky)
    described = settled(sfn, opened["group_id"])
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])

    assert output["refunds"] == 2 and output["refund_failures"] == 1
    assert calls == {"busy": 2, "refused": 1}  # busy: retried with backoff; refused: not retried, caught
    assert [r.status for r in refunds_of(shop_id, joined["order_id"])] == ["succeeded"]
    assert refunds_of(shop_id, opened["order_id"]) == []
    issues = api.get("/admin/v1/group-refund-issues", token=shop["api_key"]).body["items"]
    assert [(i["order_id"], i["refund_status"]) for i in issues] == [(opened["order_id"], "failed")]
    assert "RefundRefused" in issues[0]["refund_error"] and "order_not_refundable" in issues[0]["refund_error"]
    card = api.get(f"/admin/v1/groups/{opened['group_id']}", token=shop["api_key"]).body
    assert card["status"] == "failed" and card["settled_at"]


def test_lottery_draws_verifiably_at_the_end_winners_ship_the_rest_are_refunded(api, shop, shopper, sfn):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    others = [api.login(shop_id, name) for name in ("b", "c")]
    ends_at = int(time.time()) + 7
    activity = create_activity(api, shop, make_sku(shop_id, stock=10), kind="lottery", group_size=3, winners=1,
                               duration_seconds=6, ends_at=ends_at, group_price_fen=100)
    page = api.get(f"/v1/group-buys/{activity}", token=shopper["token"]).body
    commitment = page["lottery"]["seed_hash"]
    assert commitment and page["lottery"]["seed"] is None
    opened = open_group(api, shopper, activity)
    seats = [(shopper, opened["order_id"])]
    for who in others:
        seats.append((who, join(api, who, opened["group_id"]).body["order_id"]))
    for _, order_id in seats:
        paid(shop_id, order_id)
    assert group(shop_id, opened["group_id"]).status == "formed"
    order = api.get(f"/v1/orders/{opened['order_id']}", token=shopper["token"]).body
    assert order["activity"]["group_status"] == "formed" and order["activity"]["ship_ready"] is False

    assert settled(sfn, opened["group_id"])["status"] == "SUCCEEDED"
    assert time.time() >= ends_at
    card = api.get(f"/v1/groups/{opened['group_id']}", token=shopper["token"]).body
    record = card["draw"]
    assert card["status"] == "formed" and len(record["winners"]) == 1
    assert record["seed_hash"] == commitment and rules.verify(record)
    assert sorted(record["members"]) == sorted(who["user_id"] for who, _ in seats)
    assert api.get(f"/v1/group-buys/{activity}", token=shopper["token"]).body["lottery"]["seed"] == record["seed"]
    for who, order_id in seats:
        order = api.get(f"/v1/orders/{order_id}", token=who["token"]).body
        if who["user_id"] in record["winners"]:
            assert order["status"] == "paid" and order["activity"]["ship_ready"] is True
            assert order["activity"]["group_status"] == "won" and refunds_of(shop_id, order_id) == []
            assert get_order(shop_id, order_id, consistent=True).ship_hold is None
        else:
            assert order["status"] == "refunded" and order["activity"]["group_status"] == "lost"
            assert get_order(shop_id, order_id, consistent=True).ship_hold is True
            assert [r.status for r in refunds_of(shop_id, order_id)] == ["succeeded"]


def test_the_adapter_names_the_machine_by_its_env_variable(sfn):
    assert workflows.arn_variable("group_timer") == "CROWDCART_SFN_GROUP_TIMER_ARN"
    assert workflows.machine_arn("group_timer") == sfn.machines["group_timer"]
    with pytest.raises(workflows.WorkflowUnavailable):
        workflows.machine_arn("nope")


def test_the_sweep_rescues_a_group_whose_execution_ended_without_settling_it(api, shop, shopper, sfn, monkeypatch):
    shop_id = shop["shop_id"]
    opened = open_group(api, shopper, create_activity(api, shop, make_sku(shop_id), duration_seconds=2))
    name = f"group-{opened['group_id']}"
    assert sfn.abort(sfn.execution_arn(MACHINE, name))  # it ends without settling (e.g. retries exhausted)
    time.sleep(max(0.0, opened["expires_at"] + 0.2 - time.time()))
    assert group(shop_id, opened["group_id"]).status == "open"
    monkeypatch.setattr(timer, "RESCUE_AFTER_SECONDS", 0)
    counts = timer.restart_timers(overdue_by=0)
    assert counts["rescued"] >= 1
    rescue = next(e["name"] for e in sfn.executions(MACHINE) if e["name"].startswith(f"{name}-r"))
    assert sfn.wait(MACHINE, rescue)["status"] == "SUCCEEDED"
    assert group(shop_id, opened["group_id"]).status == "failed"
    order = api.get(f"/v1/orders/{opened['order_id']}", token=shopper["token"]).body
    assert order["status"] == "cancelled"
