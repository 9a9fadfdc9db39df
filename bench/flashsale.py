"""Flash-sale rush: orders/s and oversell at several concurrency levels, one stock counter vs shards.

Run: .venv/bin/python -m bench.flashsale [--stock N] [--shoppers N] [--levels 1,8,32] [--shards 1,8].
Starts its own in-memory DynamoDB Local. For each (shards, threads): a fresh shop and sale of
`stock` units, per-user limit 1; every shopper taps "buy" twice (2 × shoppers attempts) through
the checkout service (functions/checkout/service.place_order with the flash_sale part), from 40
source IPs, on `threads` workers. A 503 (another buyer took that shard's last unit) is retried
with the same Idempotency-Key, as the mini-program does. Reports orders, oversell (orders beyond
the stock, shoppers holding more than their limit, shards below zero), orders/s until sold out,
attempts/s overall, DynamoDB calls by kind, and latency of winning and refused attempts.
"""
import argparse
import collections
import contextlib
import importlib.util
import json
import os
import platform
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal

EXPRESS = {"type": "express", "address": {"name": "A", "phone": "13800138000", "province": "P", "city": "C",
                                          "district": "", "detail": "D"}}


class Calls:
    """Counts DynamoDB API calls by operation (a botocore hook)."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        """Wrap botocore's API call once."""
        import botocore.client

        original = botocore.client.BaseClient._make_api_call
        calls = self

        def counted(client, operation, params):
            with calls._lock:
                calls.counts[operation] += 1
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = counted

    def take(self) -> dict:
        """The counts since the last take."""
        with self._lock:
            counts, self.counts = dict(self.counts), collections.Counter()
        return counts


def _percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000, 1)


def rush(stock, shoppers, threads, shards, calls):
    """One sale, 2 × shoppers attempts on `threads` workers; the figures."""
    from crowdcart.clock import now
    from crowdcart.db.connection import Entity
    from crowdcart.db.models.campaigns import FlashShard
    from crowdcart.errors import Conflict, ServiceUnavailable, TooManyRequests
    from functions.checkout.service import place_order
    from functions.flashsale import service as flash
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers
    from tests.fakes.catalog import make_sku

    shop_id = shops.create_shop("Bench shop")["shop_id"]
    sku = make_sku(shop_id, stock=stock, price_fen=5_000)
    sale_id = flash.create_sale(shop_id, {"sku_id": sku, "price_fen": 990, "stock": stock, "per_user_limit": 1,
                                          "starts_at": now() - 5, "ends_at": now() + 3600, "shards": shards,
                                          "rate_window_seconds": 60, "rate_per_user": 50,
                                          "rate_per_ip": 1_000_000})["id"]
    users = make_shoppers(shop_id, shoppers)
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": None, "points_to_use": 0,
            "activity": {"type": "flash_sale", "id": sale_id}, "delivery": EXPRESS, "note": ""}
    attempts = [(u, f"tap-{n}", f"10.0.{i % 40}.1") for n in range(2) for i, u in enumerate(users)]
    outcomes = collections.Counter()
    won, refused, retries, last_win = [], [], [0], [0.0]
    lock = threading.Lock()
    calls.take()
    started = time.perf_counter()

    def attempt(args):
        user, key, ip = args
        t0 = time.perf_counter()
        for _ in range(50):
            try:
                order, _ = place_order(shop_id, user, key, body, source_ip=ip)
                outcome = "order"
                break
            except ServiceUnavailable:
                with lock:
                    retries[0] += 1
            except (Conflict, TooManyRequests) as exc:
                outcome = exc.code
                break
        else:
            outcome = "gave_up"
        elapsed = time.perf_counter() - t0
        with lock:
            outcomes[outcome] += 1
            (won if outcome == "order" else refused).append(elapsed)
            if outcome == "order":
                last_win[0] = max(last_win[0], time.perf_counter() - started)
        return user if outcome == "order" else None

    with ThreadPoolExecutor(threads) as pool:
        winners = [u for u in pool.map(attempt, attempts) if u]
    total = time.perf_counter() - started
    levels = [int(s.stock) for s in Entity.batch_get([FlashShard.key(shop_id, sale_id, i) for i in range(shards)],
                                                     consistent_read=True)]
    per_user = collections.Counter(winners)
    orders = outcomes["order"]
    return {"shards": shards, "threads": threads, "stock": stock, "attempts": len(attempts), "orders": orders,
            "oversell": {"orders_beyond_stock": max(0, orders - stock),
                         "shoppers_over_limit": sum(1 for n in per_user.values() if n > 1),
                         "shards_below_zero": sum(1 for n in levels if n < 0),
                         "units_left_plus_orders_equals_stock": sum(levels) + orders == stock},
            "orders_per_s_until_sold_out": round(orders / last_win[0], 1) if last_win[0] else None,
            "attempts_per_s": round(len(attempts) / total, 1), "seconds": round(total, 2),
            "outcomes": dict(outcomes), "retried_503": retries[0],
            "latency_ms": {"order_median": _percentile(won, 0.5), "order_p95": _percentile(won, 0.95),
                           "refusal_median": _percentile(refused, 0.5), "refusal_p95": _percentile(refused, 0.95)},
            "dynamodb_calls": calls.take()}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.flashsale", *sys.argv[1:]], env)


def _ints(text):
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    """Start DynamoDB Local, run every (shards, threads) rush, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stock", type=int, default=100)
    parser.add_argument("--shoppers", type=int, default=300)
    parser.add_argument("--levels", type=_ints, default=[1, 8, 32])
    parser.add_argument("--shards", type=_ints, default=[1, 8])
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"})
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        calls = Calls()
        calls.install()
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # business metrics (EMF) stay out
            rush(20, 20, 4, 1, calls)  # warm the connection pool and DynamoDB Local's JIT
            results = [rush(args.stock, args.shoppers, threads, shards, calls)
                       for shards in args.shards for threads in args.levels]
    finally:
        database.stop()
    summary = {f"shards={r['shards']}": {} for r in results}
    for r in results:
        summary[f"shards={r['shards']}"][f"threads={r['threads']}"] = {
            "orders_per_s": r["orders_per_s_until_sold_out"], "orders": r["orders"],
            "oversold": r["oversell"]["orders_beyond_stock"] + r["oversell"]["shoppers_over_limit"]
            + r["oversell"]["shards_below_zero"]}
    print(json.dumps({"benchmark": "flash_sale_rush", "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "DynamoDB Local (one process, ~200 transactions/s) on a shared machine: it serialises "
                              "writes, so shards cannot show their AWS gain here; the figures show correctness "
                              "under load and what each attempt costs",
                      "summary": summary, "results": results}, indent=2))


if __name__ == "__main__":
    main()
