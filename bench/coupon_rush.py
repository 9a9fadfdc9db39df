"""Coupon claim rush and checkout with rewards: outcomes and latencies (prints one JSON object).

Run: .venv/bin/python -m bench.coupon_rush [--shoppers N] [--quota Q] [--threads T] [--orders M].
Starts its own in-memory DynamoDB Local. Part 1: N shoppers claim one template 3 times each on T
threads (quota Q, 1 per shopper) through the coupons service — every claim is one conditional
TransactWriteItems on the template's quota counter, the shopper's claim counter and the coupon.
Part 2: M sequential checkouts each way — plain, with a coupon, with a coupon and points — to show
what the two parts add to the one read batch and the one transaction.
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
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _figures(latencies):
    if not latencies:
        return {"n": 0}
    return {"n": len(latencies), "median_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2), "max_ms": round(max(latencies), 2)}


def rush(shoppers, quota, threads):
    """N shoppers × 3 claims of one template; outcome counts, latencies and the final counters."""
    from crowdcart.db.models.coupons import Coupon, CouponTemplate
    from crowdcart.errors import CrowdcartError
    from functions.coupons import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Rush shop")["shop_id"]
    template_id = service.create_template(shop_id, {
        "name": "rush", "kind": "amount_off", "amount_off_fen": 500, "min_spend_fen": 1000, "quota": quota,
        "per_user_limit": 1, "valid_days_after_claim": 7})["id"]
    users = make_shoppers(shop_id, shoppers)
    calls = [u for u in users for _ in range(3)]
    outcomes, latencies = Counter(), {}
    lock, barrier = threading.Lock(), threading.Barrier(threads)

    def claim(user):
        try:
            barrier.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        started = time.perf_counter()
        try:
            service.claim(shop_id, user, template_id, None)
            outcome = "issued"
        except CrowdcartError as exc:
            outcome = exc.code
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            outcomes[outcome] += 1
            latencies.setdefault(outcome, []).append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(claim, calls))
    wall = time.perf_counter() - started
    template = CouponTemplate.get(*CouponTemplate.key(shop_id, template_id), consistent_read=True)
    issued = list(Coupon.gsi2.query(Coupon.template_partition(shop_id, template_id)))
    return {"shoppers": shoppers, "claims": len(calls), "quota": quota, "threads": threads,
            "wall_s": round(wall, 2), "claims_per_s": round(len(calls) / wall, 1), "outcomes": dict(outcomes),
            "coupons_stored": len(issued), "distinct_owners": len({c.user_id for c in issued}),
            "template_remaining": int(template.remaining), "template_issued": int(template.issued),
            "latency": {k: _figures(v) for k, v in latencies.items()}}


def checkouts(count):
    """Sequential checkout latency: plain, with a coupon, with a coupon and points."""
    from crowdcart.rewards import points
    from functions.checkout.service import place_order
    from functions.coupons import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers
    from tests.fakes.catalog import make_sku
    from tests.fakes.rewards import EXPRESS

    shop_id = shops.create_shop("Checkout shop")["shop_id"]
    sku = make_sku(shop_id, stock=count * 4, price_fen=5000)
    template_id = service.create_template(shop_id, {
        "name": "bench", "kind": "amount_off", "amount_off_fen": 500, "min_spend_fen": 1000, "quota": count * 3,
        "per_user_limit": 3, "valid_days_after_claim": 7})["id"]
    users = make_shoppers(shop_id, count)
    results = {"plain": [], "coupon": [], "coupon_and_points": []}
    for index, user in enumerate(users):
        points.move(shop_id, user, "bench:grant", 1000, "bench")
        for case in results:
            coupon_id = None if case == "plain" else service.claim(shop_id, user, template_id, case)["coupon_id"]
            body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": coupon_id,
                    "points_to_use": 500 if case == "coupon_and_points" else 0, "activity": None,
                    "delivery": EXPRESS, "note": ""}
            started = time.perf_counter()
            place_order(shop_id, user, f"{case}-{index}", body)
            results[case].append((time.perf_counter() - started) * 1000)
    return {case: _figures(values) for case, values in results.items()}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.coupon_rush", *sys.argv[1:]], env)


def main() -> None:
    """Start DynamoDB Local, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--quota", type=int, default=100)
    parser.add_argument("--threads", type=int, default=48)
    parser.add_argument("--orders", type=int, default=50)
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL"})
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        with contextlib.redirect_stdout(sys.stderr):  # business metrics (EMF) must not mix with the JSON
            claim_rush = rush(args.shoppers, args.quota, args.threads)
            checkout = checkouts(args.orders)
    finally:
        database.stop()
    print(json.dumps({"benchmark": "coupon_rush", "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "in-process, DynamoDB Local on a shared machine; each claim is one TransactWriteItems "
                              "(conflicts retried with jittered backoff; `busy` = retries exhausted, a 503)",
                      "claim_rush": claim_rush, "checkout_ms": checkout}, indent=2))


if __name__ == "__main__":
    main()
