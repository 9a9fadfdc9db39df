"""Viral plays under a rush: red-packet assists, discount-pool claims, gift claims — throughput, exact counts,
what each attempt costs in DynamoDB calls, latency.

Run: .venv/bin/python -m bench.viral [--packets N] [--assists N] [--friends-per-packet N] [--pool N]
[--claimers N] [--gift-friends N] [--levels 1,8,32]. Starts its own in-memory DynamoDB Local. For each
thread level, through the capabilities' services (functions/redpacket, discountpool, giftvoucher):
- red packets: `packets` packets needing `assists` each, `friends_per_packet` friends per packet all
  assisting (only `assists` per packet count); checks counted assists, opened packets, prizes ≤ budget;
- discount pool: one pool of `pool` vouchers, `claimers` friends claiming; checks exactly `pool` granted;
- gift: one sent voucher, `gift_friends` friends opening the link; checks exactly one claimant.
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


def _ms(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000, 1)


def _race(calls, threads):
    """Run the calls on `threads` workers; (outcome code per call, seconds per call, wall seconds)."""
    from crowdcart.errors import CrowdcartError

    def one(call):
        t0 = time.perf_counter()
        try:
            call()
            outcome = "ok"
        except CrowdcartError as exc:
            outcome = exc.code
        return outcome, time.perf_counter() - t0

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, calls))
    return results, time.perf_counter() - started


def _figures(name, results, wall, calls, ok_expected, extra):
    outcomes = collections.Counter(o for o, _ in results)
    made = calls.take()
    ok = [s for o, s in results if o == "ok"]
    return {"play": name, "attempts": len(results), "succeeded": outcomes["ok"], "expected": ok_expected,
            "exact": outcomes["ok"] == ok_expected, "outcomes": dict(outcomes), "seconds": round(wall, 2),
            "attempts_per_s": round(len(results) / wall, 1),
            "dynamodb_calls_per_success": round(sum(made.values()) / max(1, outcomes["ok"]), 1),
            "latency_ms": {"success_median": _ms(ok, 0.5), "success_p95": _ms(ok, 0.95),
                           "all_p95": _ms([s for _, s in results], 0.95)},
            "dynamodb_calls": made, **extra}


def red_packets(args, threads, calls):
    """Friends rush `packets` packets; exactly packets × assists count and every packet opens."""
    from crowdcart.db.models.redpackets import RedPacket, RedPacketCampaign
    from functions.redpacket import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Bench red packets")["shop_id"]
    budget = args.packets * 300
    campaign_id = service.create_campaign(shop_id, {
        "name": "bench", "description": "", "image": None, "assists_needed": args.assists, "prize_kind": "points",
        "budget": budget, "winners": args.packets, "min_prize": 100, "max_prize": 500, "coupon_min_spend_fen": 0,
        "coupon_valid_days": 7, "packet_seconds": 3600, "daily_assist_limit": 100, "per_user_limit": 1,
        "starts_at": None, "ends_at": None})["id"]
    owners = make_shoppers(shop_id, args.packets)
    packets = [service.start_packet(shop_id, campaign_id, o)["id"] for o in owners]
    friends = make_shoppers(shop_id, args.packets * args.friends_per_packet)
    calls.take()
    work = [lambda i=i, f=f: service.assist(shop_id, packets[i % args.packets], f) for i, f in enumerate(friends)]
    results, wall = _race(work, threads)
    stored = [RedPacket.get(*RedPacket.key(shop_id, p), consistent_read=True) for p in packets]
    pool = RedPacketCampaign.get(*RedPacketCampaign.key(shop_id, campaign_id), consistent_read=True)
    return _figures("red_packet_assists", results, wall, calls, args.packets * args.assists, {
        "packets_opened": sum(p.status == "opened" for p in stored), "packets": args.packets,
        "prizes_paid": int(pool.paid_out), "budget": budget, "within_budget": int(pool.paid_out) <= budget})


def discount_pool(args, threads, calls):
    """Claimers rush one pool; exactly `pool` vouchers."""
    from crowdcart.clock import now
    from crowdcart.ids import new_id
    from crowdcart.reactions.discount_pools import create_pool
    from functions.discountpool import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Bench pools")["shop_id"]
    (buyer,) = make_shoppers(shop_id, 1)
    service.create_rule(shop_id, {"name": "bench", "description": "", "min_paid_fen": 0, "pool_size": args.pool,
                                  "pool_seconds": 3600, "buyer_may_claim": True, "amount_off_fen": 200,
                                  "min_spend_fen": 0, "product_ids": [], "coupon_valid_days": 7, "starts_at": None,
                                  "ends_at": None})
    pool_id = create_pool({"shop_id": shop_id, "order_id": new_id(), "user_id": buyer, "payable_fen": 1000,
                           "paid_at": now()})
    claimers = make_shoppers(shop_id, args.claimers)
    calls.take()
    results, wall = _race([lambda u=u: service.claim(shop_id, pool_id, u) for u in claimers], threads)
    return _figures("discount_pool_claims", results, wall, calls, min(args.pool, args.claimers), {})


def gift(args, threads, calls):
    """Friends rush one gift link; exactly one claimant."""
    from crowdcart.clock import now
    from crowdcart.db.models.catalog import Sku
    from crowdcart.ids import new_id
    from crowdcart.reactions.gift_vouchers import create_vouchers, voucher_id_for
    from functions.giftvoucher import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers
    from tests.fakes.catalog import make_sku

    shop_id = shops.create_shop("Bench gifts")["shop_id"]
    (buyer,) = make_shoppers(shop_id, 1)
    sku = Sku.get(*Sku.key(shop_id, make_sku(shop_id, price_fen=5000, kind="voucher")))
    order_id = new_id()
    create_vouchers({"shop_id": shop_id, "order_id": order_id, "user_id": buyer, "paid_at": now(),
                     "lines": [{"sku_id": sku.sku_id, "product_id": sku.product_id, "title": "gift", "kind": "voucher",
                                "unit_price_fen": 5000, "quantity": 1}]})
    token = service.send(shop_id, voucher_id_for(shop_id, order_id, sku.sku_id, 0), buyer, None)["share_token"]
    friends = make_shoppers(shop_id, args.gift_friends)
    calls.take()
    results, wall = _race([lambda f=f: service.claim(shop_id, token, f) for f in friends], threads)
    return _figures("gift_claims", results, wall, calls, 1, {})


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.viral", *sys.argv[1:]], env)


def _ints(text):
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    """Start DynamoDB Local, run every play at every thread level, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packets", type=int, default=20)
    parser.add_argument("--assists", type=int, default=5)
    parser.add_argument("--friends-per-packet", type=int, default=8)
    parser.add_argument("--pool", type=int, default=20)
    parser.add_argument("--claimers", type=int, default=100)
    parser.add_argument("--gift-friends", type=int, default=30)
    parser.add_argument("--levels", type=_ints, default=[1, 8, 32])
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
            warm = argparse.Namespace(**dict(vars(args), packets=2, claimers=5, pool=2, gift_friends=3))
            red_packets(warm, 2, calls)  # warm the connection pool and DynamoDB Local's JIT
            results = [dict(play(args, threads, calls), threads=threads) for threads in args.levels
                       for play in (red_packets, discount_pool, gift)]
    finally:
        database.stop()
    summary = collections.defaultdict(dict)
    for r in results:
        summary[r["play"]][f"threads={r['threads']}"] = {
            "attempts_per_s": r["attempts_per_s"], "exact": r["exact"],
            "calls_per_success": r["dynamodb_calls_per_success"], "p95_ms": r["latency_ms"]["all_p95"]}
    print(json.dumps({"benchmark": "viral_plays", "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "DynamoDB Local on a shared machine: the figures show exact counts under contention "
                              "and what each attempt costs, not AWS throughput",
                      "summary": summary, "results": results}, indent=2))


if __name__ == "__main__":
    main()
