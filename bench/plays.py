"""Lottery draws, card-set redemptions and referral bindings under a rush — exact counts, throughput, DynamoDB
calls per attempt, latency; and the lottery's prize reservation against a draw done in one transaction.

Run: .venv/bin/python -m bench.plays [--shoppers N] [--stock N] [--levels 8,32,200]. Starts its own in-memory
DynamoDB Local. For each thread level, through the capabilities' services:
- lottery (reserve, the design in functions/lottery): `shoppers` shoppers with one entry each draw at once from
  a prize that every draw picks, with `stock` units; checks exactly `stock` won and every entry spent;
- lottery (one transaction, for comparison): the same, with the prize counter inside the draw's transaction;
- cards: `shoppers` / 4 shoppers holding full sets redeem from two devices each, prize stock `stock`;
- referral: `shoppers` / 4 new shoppers each opened by 4 promoters' links at once; checks one binding each.
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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal


def _ms(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000, 1)


def _race(calls, threads):
    """Run the calls on `threads` workers; (outcome per call, seconds per call), wall seconds."""
    from crowdcart.errors import CrowdcartError

    def one(call):
        started = time.perf_counter()
        try:
            result = call()
            outcome = result.get("result", "ok") if isinstance(result, dict) else "ok"
        except CrowdcartError as exc:
            outcome = exc.code
        except Exception as exc:  # a timeout of the overloaded local database: reported, never hidden
            outcome = "error:" + type(exc).__name__
        return outcome, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, calls))
    return results, time.perf_counter() - started


def _figures(name, results, wall, calls, exact, extra):
    outcomes = collections.Counter(o for o, _ in results)
    made = calls.take()
    return {"play": name, "attempts": len(results), "outcomes": dict(outcomes), "exact": exact,
            "seconds": round(wall, 2), "attempts_per_s": round(len(results) / wall, 1),
            "dynamodb_calls_per_attempt": round(sum(made.values()) / max(1, len(results)), 2),
            "latency_ms": {"median": _ms([s for _, s in results], 0.5), "p95": _ms([s for _, s in results], 0.95)},
            "dynamodb_calls": made, **extra}


def _lottery(shop_id, stock):
    from crowdcart.clock import now
    from functions.lottery import schemas, service

    body = schemas.CreateLottery(name="bench", ends_at=now() + 3600, prizes=[
        {"name": "积分", "kind": "points", "points": 1, "probability_ppm": 1_000_000, "stock": stock}])
    return service.create_lottery(shop_id, body.model_dump())["id"]


def draw_in_one_transaction(shop_id, lottery_id, user_id):
    """The alternative design: entry, draw record and prize counter in one transaction (thanks on failure)."""
    from crowdcart.clock import now
    from crowdcart.db.models.games import LotteryDraw, LotteryEntries, LotteryPrizeStock
    from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
    from crowdcart.ids import new_id

    draw_id = new_id()
    for prize in ("p1", None):
        def build(prize=prize):
            tx = Transaction()
            tx.update("entries", LotteryEntries(*LotteryEntries.key(shop_id, lottery_id, user_id)),
                      [LotteryEntries.entries.add(-1), LotteryEntries.used.add(1)], condition=LotteryEntries.entries >= 1)
            tx.put("draw", LotteryDraw(*LotteryDraw.key(shop_id, lottery_id, user_id, draw_id), draw_id=draw_id,
                                       lottery_id=lottery_id, user_id=user_id, prize_id=prize,
                                       prize_kind="points" if prize else "thanks", picked_id="p1", at=now()))
            if prize:
                tx.update("stock", LotteryPrizeStock(*LotteryPrizeStock.key(shop_id, lottery_id, prize)),
                          [LotteryPrizeStock.remaining.add(-1), LotteryPrizeStock.won.add(1)],
                          condition=LotteryPrizeStock.remaining >= 1)
            return tx

        try:
            run_transaction(build)
            return {"result": "won" if prize else "thanks"}
        except ConditionFailed as exc:
            if exc.label != "stock":
                raise
    raise AssertionError("unreachable")


def lottery(args, threads, calls, design):
    """Every shopper draws once, all at once, for a prize of `stock` units every draw picks."""
    from crowdcart.db.models.games import LotteryEntries, LotteryPrizeStock
    from functions.lottery import service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Bench lottery")["shop_id"]
    lottery_id = _lottery(shop_id, args.stock)
    users = make_shoppers(shop_id, args.shoppers)
    with LotteryEntries.batch_write() as batch:
        for user_id in users:
            batch.save(LotteryEntries(*LotteryEntries.key(shop_id, lottery_id, user_id), entries=1, earned=1, used=0))
    draw = service.draw if design == "reserve" else draw_in_one_transaction
    calls.take()
    results, wall = _race([lambda u=u: draw(shop_id, lottery_id, u) for u in users], threads)
    counter = LotteryPrizeStock.get(*LotteryPrizeStock.key(shop_id, lottery_id, "p1"), consistent_read=True)
    won = sum(o == "won" for o, _ in results)
    return _figures(f"lottery_draws_{design}", results, wall, calls,
                    won == int(counter.won) == args.stock and int(counter.remaining) == 0,
                    {"stock": args.stock, "won": won})


def cards(args, threads, calls):
    """Shoppers with full sets redeem from two devices each; prize stock `stock`."""
    from crowdcart.clock import now
    from crowdcart.db.models.games import CardAlbum
    from crowdcart.plays import cards as core
    from functions.cards import schemas, service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Bench cards")["shop_id"]
    body = schemas.CreateCardSet(name="bench", ends_at=now() + 3600, prize_stock=args.stock,
                                 kinds=[{"name": "a", "weight": 1}, {"name": "b", "weight": 1}],
                                 prize={"name": "积分", "kind": "points", "points": 1})
    set_id = service.create_card_set(shop_id, body.model_dump())["id"]
    card_set = core.load(shop_id, set_id)
    users = make_shoppers(shop_id, max(1, args.shoppers // 4))
    for user_id in users:
        core.ensure_album(card_set, user_id)
        CardAlbum(*CardAlbum.key(shop_id, set_id, user_id)).update(
            actions=[CardAlbum.cards["k1"].add(2), CardAlbum.cards["k2"].add(2)])
    calls.take()
    results, wall = _race([lambda u=u: service.redeem(shop_id, set_id, u) for u in users for _ in range(2)], threads)
    redeemed = sum(o == "ok" for o, _ in results)
    return _figures("card_redemptions", results, wall, calls, redeemed == min(args.stock, len(users)),
                    {"shoppers": len(users), "prize_stock": args.stock, "redeemed": redeemed})


def referral(args, threads, calls):
    """New shoppers each opened by four promoters' links at once; one binding each."""
    from crowdcart.plays import referral as core
    from functions.referral import schemas, service
    from functions.shops import service as shops
    from tests.concurrency.conftest import make_shoppers

    shop_id = shops.create_shop("Bench referral")["shop_id"]
    service.put_program(shop_id, schemas.ProgramSettings(level1_rate_bp=1000).model_dump())
    promoters = make_shoppers(shop_id, 4)
    for user_id in promoters:
        service.apply(shop_id, user_id)
    shoppers = make_shoppers(shop_id, max(1, args.shoppers // 4))
    calls.take()
    results, wall = _race([lambda s=s, p=p: service.bind(shop_id, s, p) for s in shoppers for p in promoters], threads)
    bound = sum(core.get_binding(shop_id, s) is not None for s in shoppers)
    invitees = sum(int(core.get_promoter(shop_id, p).invitees) for p in promoters)
    ok = sum(o == "ok" for o, _ in results)
    return _figures("referral_bindings", results, wall, calls, ok == bound == invitees == len(shoppers),
                    {"shoppers": len(shoppers), "bound": bound})


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.plays", *sys.argv[1:]], env)


def _ints(text):
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    """Start DynamoDB Local, run every play at every thread level, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--stock", type=int, default=5)
    parser.add_argument("--levels", type=_ints, default=[8, 32, 200])
    args = parser.parse_args()
    _with_project_path()
    from bench.viral import Calls

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
            warm = argparse.Namespace(**dict(vars(args), shoppers=40))
            lottery(warm, 8, calls, "reserve")  # warm the connection pool and DynamoDB Local's JIT
            lottery(warm, 8, calls, "one_transaction")
            results = []
            for threads in args.levels:
                for name, play in (("reserve", lambda a, t, c: lottery(a, t, c, "reserve")),
                                   ("one_transaction", lambda a, t, c: lottery(a, t, c, "one_transaction")),
                                   ("cards", cards), ("referral", referral)):
                    results.append(dict(play(args, threads, calls), threads=threads))
    finally:
        database.stop()
    summary = collections.defaultdict(dict)
    for r in results:
        summary[r["play"]][f"threads={r['threads']}"] = {
            "attempts_per_s": r["attempts_per_s"], "exact": r["exact"], "p95_ms": r["latency_ms"]["p95"],
            "calls_per_attempt": r["dynamodb_calls_per_attempt"],
            "errors": sum(n for o, n in r["outcomes"].items() if o.startswith("error:"))}
    print(json.dumps({"benchmark": "plays", "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "DynamoDB Local on a shared, loaded machine: exact counts under contention and what "
                              "each attempt costs, not AWS throughput",
                      "summary": summary, "results": results}, indent=2))


if __name__ == "__main__":
    main()
