"""Contended checkout vs its floor: orders/s through the service layer, the bare TransactWriteItems rate
of the same items on the same machine, their ratio, and DynamoDB requests per checkout (prints one JSON object).

Run: .venv/bin/python -m bench.checkout [--orders N] [--threads N]. Starts its own in-memory DynamoDB
Local. Every order buys the same SKU (one hot stock counter) through
`crowdcart.purchase.checkout.place_order` — idempotency, the one consistent read batch, pricing, the
one transaction — from `threads` workers. The floor replays, on the same workers, the very
TransactWriteItems checkout sent (captured from a real checkout: the conditional stock decrement,
the order put-if-absent, its event), each time with a fresh order id, through a plain boto3 client:
what DynamoDB Local can do with those items and nothing else. DynamoDB requests are counted with
botocore event hooks on the shared client (`before-send`: every HTTP request, retries included).
"""
import argparse
import collections
import contextlib
import copy
import importlib.util
import json
import os
import platform
import secrets
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal

EXPRESS = {"type": "express", "address": {"name": "Li Lei", "phone": "13800138000", "province": "上海",
                                          "city": "上海", "district": "黄浦", "detail": "人民大道 1 号"}}
GOAL_REQUESTS_PER_CHECKOUT = 2  # one BatchGetItem, one TransactWriteItems


class Requests:
    """DynamoDB requests by operation, counted by botocore hooks on one client."""

    def __init__(self, client) -> None:
        self.by_operation: collections.Counter = collections.Counter()
        self.sent = 0
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb", self._call)
        client.meta.events.register("before-send.dynamodb", self._send)
        client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", self._capture)
        self.captured = None

    def _call(self, model, **_):
        with self._lock:
            self.by_operation[model.name] += 1

    def _capture(self, params, **_):
        puts = [a["Put"]["Item"] for a in params.get("TransactItems", []) if "Put" in a]
        with self._lock:
            if self.captured is None and any("payable_fen" in item for item in puts):  # checkout's, not another
                self.captured = copy.deepcopy(params)

    def _send(self, **_):
        with self._lock:
            self.sent += 1

    def reset(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self.by_operation.clear()
            self.sent = 0


def _ms(values, fraction):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000, 2)


def _on_threads(calls, threads):
    """Run the calls on `threads` workers; (seconds, latencies of successes, failures by kind)."""
    latencies, failures, lock = [], collections.Counter(), threading.Lock()

    def run(call):
        started = time.perf_counter()
        try:
            call()
        except Exception as exc:  # counted: a benchmark reports, it does not stop
            with lock:
                failures[getattr(exc, "code", type(exc).__name__)] += 1
            return
        with lock:
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, calls))
    return time.perf_counter() - started, latencies, dict(failures)


def checkout_rate(orders, threads, counter):
    """Contended checkout through the service layer; figures and the user ids used."""
    from crowdcart.purchase.checkout import place_order
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers
    from tests.fakes.catalog import make_sku

    shop_id = shops.create_shop("Bench checkout")["shop_id"]
    sku = make_sku(shop_id, stock=orders * 10, price_fen=1990)
    users = make_shoppers(shop_id, min(orders, 500))
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": None, "points_to_use": 0, "activity": None,
            "delivery": EXPRESS, "note": ""}
    place_order(shop_id, users[0], "warm-up", body)  # first calls build clients and caches; also the capture
    counter.reset()
    calls = [lambda n=n: place_order(shop_id, users[n % len(users)], f"bench-{n}", body) for n in range(orders)]
    seconds, latencies, failures = _on_threads(calls, threads)
    done = len(latencies)
    return {"orders": done, "failed": failures, "seconds": round(seconds, 2),
            "orders_per_s": round(done / seconds, 1), "latency_ms": {"p50": _ms(latencies, 0.5),
                                                                      "p95": _ms(latencies, 0.95)},
            "dynamodb": {"requests_per_checkout": round(counter.sent / max(1, done), 2),
                         "calls_per_checkout": {k: round(v / max(1, done), 2)
                                                for k, v in sorted(counter.by_operation.items())},
                         "goal_requests_per_checkout": GOAL_REQUESTS_PER_CHECKOUT}}


def floor_rate(template, orders, threads):
    """The same TransactWriteItems, bare (fresh order id each, boto3, no service code); figures."""
    import boto3

    from crowdcart.ids import new_id

    client = boto3.client("dynamodb", endpoint_url=os.environ["CROWDCART_DYNAMODB_ENDPOINT"],
                          region_name=os.environ["AWS_DEFAULT_REGION"])
    text = json.dumps(template)
    order_id = next(a["Put"]["Item"]["order_id"]["S"] for a in template["TransactItems"]
                    if "Put" in a and "order_id" in a["Put"]["Item"] and "payable_fen" in a["Put"]["Item"])
    conflicts = collections.Counter()

    def write():
        params = json.loads(text.replace(order_id, new_id()))
        params.pop("ClientRequestToken", None)
        for _ in range(50):  # a conflict on the hot counter is retried, as checkout's run_transaction does
            try:
                client.transact_write_items(**params)
                return
            except client.exceptions.TransactionCanceledException as exc:
                if "TransactionConflict" not in str(exc):
                    raise
                conflicts["TransactionConflict"] += 1
        raise RuntimeError("gave up after 50 conflicts")

    write()
    seconds, latencies, failures = _on_threads([write] * orders, threads)
    done = len(latencies)
    return {"writes": done, "failed": failures, "conflicts_retried": dict(conflicts), "seconds": round(seconds, 2),
            "writes_per_s": round(done / seconds, 1), "latency_ms": {"p50": _ms(latencies, 0.5),
                                                                      "p95": _ms(latencies, 0.95)},
            "actions_per_transaction": len(template["TransactItems"])}


def measure(orders, threads):
    """Checkout, then its floor, on the same workers."""
    from crowdcart.db.connection import connection

    counter = Requests(connection().client)
    checkout = checkout_rate(orders, threads, counter)
    floor = floor_rate(counter.captured, orders, threads)
    return {"checkout": checkout, "floor": floor,
            "ratio_to_floor": round(checkout["orders_per_s"] / floor["writes_per_s"], 3) if floor["writes_per_s"] else None}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.checkout", *sys.argv[1:]], env)


def main() -> None:
    """Start DynamoDB Local, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "CROWDCART_WECHAT_MODE": "sandbox"})
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        with contextlib.redirect_stdout(sys.stderr):  # business metrics (EMF) must not mix with the JSON
            results = measure(args.orders, args.threads)
    finally:
        database.stop()
    print(json.dumps({"benchmark": "checkout", "orders": args.orders, "threads": args.threads,
                      "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "one hot SKU: every order decrements the same stock counter; DynamoDB Local on a "
                              "shared machine, so compare the ratio, not the absolute rates",
                      **results}, indent=2))


if __name__ == "__main__":
    main()
