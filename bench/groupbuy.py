"""Group buys: seat race, payment latency by kind, and the group timer settling many groups (prints one JSON object).

Run: .venv/bin/python -m bench.groupbuy [--racers N] [--groups G]. Starts its own in-memory DynamoDB Local,
the local pay sandbox (keys in memory) and the local Step Functions engine (moto's ASL interpreter, tasks
dispatched in-process), then measures:
- seat race: N shoppers join and pay one group of 10 that has 2 paid seats (exactly 8 must win);
- payments through the real webhook path: a plain order, a group seat, the seat that forms the group;
- timer: G groups of 2 with only the leader paid and a 3 s duration; time from the last deadline until every
  execution succeeded (group failed, unpaid orders cancelled, leader refunded through the sandbox).
"""
import argparse
import contextlib
import importlib.util
import json
import os
import platform
import secrets
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal

SEAT = {"delivery": {"type": "express", "address": {"name": "A", "phone": "13800138000", "province": "P",
                                                    "city": "C", "district": "", "detail": "D"}}}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _figures(values):
    ordered = sorted(values)
    return {"n": len(values), "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 2),
            "max_ms": round(max(values), 2)}


def _pay(shop_id, order_id):
    from crowdcart.db.orders import get_order
    from crowdcart.payments.sandbox import pay_order

    started = time.perf_counter()
    outcome = pay_order(get_order(shop_id, order_id, consistent=True))["notification"]["outcome"]
    return _ms(started), outcome


def seat_race(shop_id, sku, racers):
    from functions.groupbuy import service
    from tests.concurrency.conftest import make_shoppers, race

    activity = service.create_activity(shop_id, {"sku_id": sku, "group_price_fen": 500, "group_size": 10,
                                                 "duration_seconds": 3600, "kind": "normal"})["id"]
    leader, first, *users = make_shoppers(shop_id, racers + 2)
    opened, _ = service.open_group(shop_id, leader, "open", activity, SEAT)
    _pay(shop_id, opened["order_id"])
    _pay(shop_id, service.join_group(shop_id, first, "join", opened["group_id"], SEAT)[0]["order_id"])

    def attempt(user):
        joined, _ = service.join_group(shop_id, user, f"race-{user}", opened["group_id"], SEAT)
        return _pay(shop_id, joined["order_id"])[1]

    started = time.perf_counter()
    results = race([lambda u=u: attempt(u) for u in users])
    elapsed = _ms(started)
    return {"racers": racers, "seats": 8, "paid": sum(1 for r in results if r == "paid"),
            "refused_409": sum(1 for r in results if getattr(r, "status", None) == 409), "wall_ms": elapsed}


def payments(shop_id, sku, count):
    from crowdcart.purchase.checkout import place_order
    from functions.groupbuy import service
    from tests.concurrency.conftest import make_shoppers

    activity = service.create_activity(shop_id, {"sku_id": sku, "group_price_fen": 500, "group_size": 3,
                                                 "duration_seconds": 3600, "kind": "normal",
                                                 "per_user_limit": 100})["id"]
    cases = {"plain_order": [], "group_seat": [], "group_forming_seat": []}
    for _ in range(count):
        a, b, c = make_shoppers(shop_id, 3)
        plain, _ = place_order(shop_id, a, secrets.token_hex(8), dict(SEAT, items=[{"sku_id": sku, "quantity": 1}]))
        cases["plain_order"].append(_pay(shop_id, plain["id"])[0])
        opened, _ = service.open_group(shop_id, a, secrets.token_hex(8), activity, SEAT)
        second = service.join_group(shop_id, b, secrets.token_hex(8), opened["group_id"], SEAT)[0]
        third = service.join_group(shop_id, c, secrets.token_hex(8), opened["group_id"], SEAT)[0]
        cases["group_seat"].append(_pay(shop_id, opened["order_id"])[0])
        cases["group_seat"].append(_pay(shop_id, second["order_id"])[0])
        elapsed, outcome = _pay(shop_id, third["order_id"])
        assert outcome == "paid", outcome
        cases["group_forming_seat"].append(elapsed)
    return {case: _figures(values) for case, values in cases.items()}


def timer_throughput(engine, shop_id, sku, groups):
    from functions.groupbuy import service
    from tests.concurrency.conftest import make_shoppers

    activity = service.create_activity(shop_id, {"sku_id": sku, "group_price_fen": 500, "group_size": 2,
                                                 "duration_seconds": 3, "kind": "normal"})["id"]

    def one(user):
        opened, _ = service.open_group(shop_id, user, "open", activity, SEAT)
        _pay(shop_id, opened["order_id"])
        return opened

    with ThreadPoolExecutor(max_workers=4) as pool:
        opened = list(pool.map(one, make_shoppers(shop_id, groups)))
    last_deadline = max(o["expires_at"] for o in opened)
    statuses = [engine.wait("group_timer", f"group-{o['group_id']}", timeout=300)["status"] for o in opened]
    settled_after = round(time.time() - last_deadline, 2)
    return {"groups": groups, "succeeded": statuses.count("SUCCEEDED"),
            "seconds_from_last_deadline_to_all_settled": settled_after,
            "note": "each failed group: settle (cancel unpaid), refund Map (sandbox refund + REFUND.SUCCESS), finish"}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.groupbuy", *sys.argv[1:]], env)


def main() -> None:
    """Start DynamoDB Local and the engine, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--payments", type=int, default=20)
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "CROWDCART_WECHAT_MODE": "sandbox",
                           "CROWDCART_WECHATPAY_SECRETS": "memory", "POWERTOOLS_METRICS_DISABLED": "true"})
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        with contextlib.redirect_stdout(sys.stderr):
            import app as application
            from crowdcart.payments.config import merchant_config
            from functions.shops import service as shops
            from local.stepfunctions import LocalStepFunctions
            from tests.fakes.catalog import make_sku

            shop_id = shops.create_shop("Bench shop")["shop_id"]
            merchant_config(shop_id)
            sku = make_sku(shop_id, stock=100_000, price_fen=1000)
            engine = LocalStepFunctions(application.app).start()
            try:
                results = {"seat_race": seat_race(shop_id, sku, args.racers),
                           "payments": payments(shop_id, sku, args.payments),
                           "timer": timer_throughput(engine, shop_id, sku, args.groups)}
            finally:
                engine.stop()
    finally:
        database.stop()
    print(json.dumps({"benchmark": "groupbuy", "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "in-process, DynamoDB Local on a shared machine; payments include RSA verification, "
                              "AES-GCM and the conditional transaction",
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
