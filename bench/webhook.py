"""WeChat Pay webhook latency by case: first delivery, redelivery, forged, late payment (prints one JSON object).

Run: .venv/bin/python -m bench.webhook [--orders N]. Starts its own in-memory DynamoDB Local and
the local pay sandbox (keys in memory), creates N pending orders, then times
`crowdcart.payments.webhook.receive` — the full path: headers, RSA verification, AES-GCM
decryption, order comparison and the conditional transaction. WeChat wants an answer within ~3 s.
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
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _figures(latencies):
    return {"n": len(latencies), "median_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2), "max_ms": round(max(latencies), 2)}


def _timed(call):
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure(count):
    """Time each case over `count` orders."""
    from crowdcart.db.orders import cancel_unpaid
    from crowdcart.payments import crypto, webhook
    from crowdcart.payments.config import merchant_config
    from crowdcart.payments.sandbox import signed_notification, transaction_resource
    from functions.shops import service as shops
    from tests.fakes.orders import make_pending_order, make_shopper, make_sku

    shop_id = shops.create_shop("Bench shop")["shop_id"]
    config = merchant_config(shop_id)
    sku, user = make_sku(shop_id, stock=count * 3, price_fen=990), make_shopper(shop_id)
    orders = [make_pending_order(shop_id, user, [(sku, 1)]) for _ in range(count)]
    late = [make_pending_order(shop_id, user, [(sku, 1)]) for _ in range(count // 4 or 1)]
    stranger = crypto.new_private_key_pem()
    cases = {"first_delivery": [], "redelivery": [], "forged_signature": [], "late_payment_with_refund": []}
    for order in orders:
        headers, body = signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order))
        for case in ("first_delivery", "redelivery"):
            elapsed, outcome = _timed(lambda: webhook.receive(headers, body, shop_id))
            assert outcome == ("paid" if case == "first_delivery" else "duplicate"), outcome
            cases[case].append(elapsed)
        forged = signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order),
                                     signing_key=stranger)
        started = time.perf_counter()
        try:
            webhook.receive(*forged, shop_id)
        except webhook.WebhookRejected:
            cases["forged_signature"].append((time.perf_counter() - started) * 1000)
    for order in late:
        cancel_unpaid(order, "sweeper", "pay_timeout")
        headers, body = signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order))
        elapsed, outcome = _timed(lambda: webhook.receive(headers, body, shop_id))
        assert outcome == "late_payment_refund_requested", outcome
        cases["late_payment_with_refund"].append(elapsed)
    return {case: _figures(values) for case, values in cases.items()}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.webhook", *sys.argv[1:]], env)


def main() -> None:
    """Start DynamoDB Local, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "CROWDCART_WECHAT_MODE": "sandbox",
                           "CROWDCART_WECHATPAY_SECRETS": "memory"})
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        with contextlib.redirect_stdout(sys.stderr):  # business metrics (EMF) must not mix with the JSON
            results = measure(args.orders)
    finally:
        database.stop()
    print(json.dumps({"benchmark": "wechatpay_webhook", "orders": args.orders, "python": platform.python_version(),
                      "cpus": os.cpu_count(), "answer_budget_ms": 3000,
                      "note": "in-process, DynamoDB Local on a shared machine; the late-payment case includes the "
                              "sandbox refund call and its nested REFUND.SUCCESS delivery",
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
