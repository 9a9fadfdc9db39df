"""Nearby-store lookup vs store count: items read and latency per query (prints one JSON object).

Run: .venv/bin/python -m bench.nearby [--queries N]. Starts its own in-memory DynamoDB Local,
loads 10, 1,000 and 20,000 stores spread uniformly over eastern China (one shop each, batch
writes), then times `service.nearby` for the same mix of query points at each size: half
near an existing store, half anywhere; radius 5 km (the default) or 10 km (the maximum).
Every answer is also checked against a brute-force haversine scan.
"""
import argparse
import importlib.util
import json
import os
import platform
import random
import secrets
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from local import environment
from local.dynamodb_local import DynamoDBLocal

SIZES = (10, 1_000, 20_000)
COUNTRY = ((22.0, 42.0), (100.0, 122.0))
RADII_M = (5_000.0, 10_000.0)


def _rows(count, seed):
    rng = random.Random(seed)
    (lat_lo, lat_hi), (lng_lo, lng_hi) = COUNTRY
    return [{"name": f"Store {i}", "lat": round(rng.uniform(lat_lo, lat_hi), 6),
             "lng": round(rng.uniform(lng_lo, lng_hi), 6), "address": f"No. {i}"} for i in range(count)]


def _load(rows, workers=8):
    from functions.shops import service as shops
    from functions.stores import service

    shop_id = shops.create_shop("Bench shop")["shop_id"]
    chunks = [rows[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(lambda chunk: service.import_stores(shop_id, chunk), chunks))
    return shop_id, [(sid, r["lat"], r["lng"]) for chunk, cids in zip(chunks, ids) for sid, r in zip(cids, chunk)]


def _points(stores, count, seed):
    rng = random.Random(seed)
    (lat_lo, lat_hi), (lng_lo, lng_hi) = COUNTRY
    points = []
    for i in range(count):
        if i % 2:
            _, lat, lng = stores[rng.randrange(len(stores))]
            point = (lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05))
        else:
            point = (rng.uniform(lat_lo, lat_hi), rng.uniform(lng_lo, lng_hi))
        points.append((*point, RADII_M[i // 2 % len(RADII_M)]))
    return points


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(size, queries):
    """Load `size` stores and run `queries` lookups; the figures for that size."""
    from crowdcart.domain import geo
    from functions.stores import service

    started = time.perf_counter()
    shop_id, stores = _load(_rows(size, seed=size))
    load_s = time.perf_counter() - started
    points = _points(stores, queries, seed=42)
    for lat, lng, radius in points[:100]:  # warm the connection and DynamoDB Local's JIT
        service.nearby(shop_id, lat, lng, radius, 100)
    latencies, reads, ranges, matches, agree = [], [], [], [], True
    for lat, lng, radius in points:
        t0 = time.perf_counter()
        result = service.nearby(shop_id, lat, lng, radius, 100)
        latencies.append((time.perf_counter() - t0) * 1000)
        reads.append(result.stats["items_read"])
        ranges.append(result.stats["queries"])
        matches.append(result.stats["matches"])
        brute = sorted((d, sid) for sid, s_lat, s_lng in stores
                       if (d := geo.haversine_m(lat, lng, s_lat, s_lng)) <= radius)
        agree &= [s["id"] for s in result.items] == [sid for _, sid in brute[:100]]
    return {"stores": size, "lookups": queries, "load_seconds": round(load_s, 1),
            "items_read_per_query": {"mean": round(statistics.mean(reads), 2), "max": max(reads)},
            "latency_ms_per_query": {"median": round(statistics.median(latencies), 2),
                                     "p95": round(_percentile(latencies, 0.95), 2)},
            "range_queries_per_lookup": round(statistics.mean(ranges), 2),
            "stores_found_per_lookup": round(statistics.mean(matches), 2),
            "full_scan_would_read": size, "same_as_brute_force": agree}


def _with_project_path() -> None:
    """Outside `make` (which exports PYTHONPATH), re-run with the same PYTHONPATH the Makefile sets."""
    if importlib.util.find_spec("crowdcart") is None:
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "layers")]))
        os.execve(sys.executable, [sys.executable, "-m", "bench.nearby", *sys.argv[1:]], env)


def main() -> None:
    """Start DynamoDB Local, measure every size, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    _with_project_path()
    database = DynamoDBLocal().start()
    try:
        environment.configure(database.endpoint, secrets.token_urlsafe(40), "pk_bench_" + secrets.token_hex(8),
                              table="crowdcart-bench-" + secrets.token_hex(4))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "CRITICAL"
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        results = [measure(size, args.queries) for size in SIZES]
    finally:
        database.stop()
    print(json.dumps({"benchmark": "nearby_stores", "radii_m": list(RADII_M), "country_box": COUNTRY,
                      "python": platform.python_version(), "cpus": os.cpu_count(),
                      "note": "DynamoDB Local on a shared machine; latency is indicative only",
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
