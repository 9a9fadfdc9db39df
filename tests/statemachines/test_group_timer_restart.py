"""Executions live in the engine's memory: after a restart every group that still owes a timer gets it back
from DynamoDB (the DUE index), through the same handler the local runner calls at start."""
import time

import pytest

import app as application
from crowdcart.payments.refunds import refunds_of
from functions.groupbuy import timer
from local.stepfunctions import LocalStepFunctions
from tests.fakes.catalog import make_sku
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.statemachines.support import MACHINE, create_activity, group, join, open_group, paid, ready_to_pay

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


def test_after_a_restart_open_groups_get_their_timers_back(api, shop, shopper):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    friend = api.login(shop_id, "friend")
    first = LocalStepFunctions(application.app).start()
    try:
        pending = open_group(api, shopper, create_activity(api, shop, make_sku(shop_id), duration_seconds=3))
        paid(shop_id, pending["order_id"])
        done = open_group(api, shopper, create_activity(api, shop, make_sku(shop_id), duration_seconds=3))
        paid(shop_id, join(api, friend, done["group_id"]).body["order_id"])
        paid(shop_id, done["order_id"])  # formed: its timer is no longer owed
        assert first.describe(MACHINE, f"group-{pending['group_id']}")["status"] == "RUNNING"
    finally:
        first.stop()  # the process goes away with its executions

    time.sleep(max(0.0, pending["expires_at"] + 0.5 - time.time()))
    assert group(shop_id, pending["group_id"]).status == "open"  # nobody settled it while down
    second = LocalStepFunctions(application.app).start()
    try:
        resumed = second.resume()["group_timers_resume"]
        owed = {e["name"] for e in second.executions(MACHINE)}
        assert f"group-{pending['group_id']}" in owed and f"group-{done['group_id']}" not in owed
        assert resumed["running"] >= 1 and resumed["error"] == 0
        assert second.wait(MACHINE, f"group-{pending['group_id']}")["status"] == "SUCCEEDED"
        assert timer.restart_timers(overdue_by=0)["running"] == 0  # settled: nothing owed any more
    finally:
        second.stop()
    assert group(shop_id, pending["group_id"]).status == "failed"
    assert [r.status for r in refunds_of(shop_id, pending["order_id"])] == ["succeeded"]
    assert group(shop_id, done["group_id"]).status == "formed"
