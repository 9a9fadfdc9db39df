"""Cold start: wall time of `import app` in a fresh interpreter, catalog-only vs all capabilities vs `import boto3`.

Each run is a new `python -c` process timing only the import statement (perf_counter around it),
the same way REFERENCE §8 measured. Cases are interleaved round by round so a busy machine slows
them alike, after a warm-up round. Two bytecode situations:

- main figures: bytecode cached for every module (in a private PYTHONPYCACHEPREFIX, filled by the
  warm-up round) — what a package built with `compileall` gives;
- `*_source_ms`: our modules compiled from source at every import (PYTHONDONTWRITEBYTECODE, as this
  repo's Makefile sets and as a read-only Lambda package without .pyc files does).

"libraries" imports only the third-party packages the catalog cannot serve a request without
(PynamoDB/botocore, chalice, pydantic, PyJWT, Powertools): the floor under which no change of
ours can bring `import app`. Importing the app opens no connection, so no DynamoDB Local is
started; the environment is the local one (`local.environment.configure`) with a placeholder endpoint.
Run: `.venv/bin/python -m bench.coldstart [runs]` (default 9, at least 7).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from local import environment

ROOT = Path(__file__).resolve().parent.parent
TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
LIBRARIES = ("import pynamodb.connection, pynamodb.models, chalice, jwt; from pydantic import BaseModel, Field; "
             "from aws_lambda_powertools import Logger, Metrics")
OURS = ("app", "crowdcart", "functions")


def _env(capabilities: Optional[str], pycache: Optional[str]) -> Dict[str, str]:
    """The local environment; `pycache` = a bytecode cache dir, or None to compile our sources each time."""
    saved = dict(os.environ)
    try:
        environment.configure("http://127.0.0.1:9", "bench-jwt-secret-" + "x" * 32, "pk_bench")
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers")])
    env.pop("CROWDCART_CAPABILITIES", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if capabilities:
        env["CROWDCART_CAPABILITIES"] = capabilities
    if pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def sample(stmt: str, env: Dict[str, str]) -> float:
    """Seconds one fresh interpreter spends on `stmt`."""
    out = subprocess.run([sys.executable, "-c", TIMED.format(stmt=stmt)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def timings_ms(cases: Dict[str, Tuple[str, Dict[str, str]]], runs: int) -> Dict[str, Dict[str, float]]:
    """Median and minimum per case over `runs` interleaved rounds (after one warm-up round), in ms."""
    values: Dict[str, List[float]] = {name: [] for name in cases}
    for round_number in range(runs + 1):
        for name, (stmt, env) in cases.items():
            elapsed = sample(stmt, env) * 1000
            if round_number:
                values[name].append(elapsed)
    return {name: {"median": round(statistics.median(v), 1), "min": round(min(v), 1)} for name, v in values.items()}


def import_breakdown(env: Dict[str, str], runs: int = 3, top: int = 10) -> Dict[str, object]:
    """Self time of `import app` per top-level package (python -X importtime), the minimum over `runs`."""
    best: Dict[str, float] = {}
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True).stderr
        totals: Dict[str, int] = {}
        for line in err.splitlines():
            parts = line[len("import time:"):].split("|") if line.startswith("import time:") else []
            if len(parts) != 3 or not parts[0].strip().isdigit():
                continue
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0) + int(parts[0])
        for package, micros in totals.items():
            best[package] = min(best.get(package, float("inf")), micros / 1000)
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    return {"ours_ms": round(sum(ms for name, ms in best.items() if name in OURS), 1),
            "third_party_and_stdlib_ms": round(sum(ms for name, ms in best.items() if name not in OURS), 1),
            "top_packages_ms": {name: round(ms, 1) for name, ms in ranked[:top]}}


def main(runs: int = 9) -> Dict[str, object]:
    """Measure and print the figures."""
    runs = max(7, runs)
    with tempfile.TemporaryDirectory(prefix="crowdcart-pycache-") as pycache:
        catalog_env, all_env = _env("catalog", pycache), _env(None, pycache)
        timed = timings_ms({
            "catalog": ("import app", catalog_env), "all": ("import app", all_env),
            "boto3": ("import boto3", all_env), "libraries": (LIBRARIES, all_env),
            "catalog_source": ("import app", _env("catalog", None)), "all_source": ("import app", _env(None, None)),
        }, runs)
        breakdown = import_breakdown(catalog_env)
    boto3 = timed["boto3"]["median"]
    figures: Dict[str, object] = {
        "runs": runs,
        "import_app_catalog_ms": timed["catalog"]["median"],
        "import_app_all_ms": timed["all"]["median"],
        "import_boto3_ms": boto3,
        "catalog_vs_boto3": round(timed["catalog"]["median"] / boto3, 2),
        "all_vs_boto3": round(timed["all"]["median"] / boto3, 2),
        "goal_catalog_vs_boto3": 1.5,
        "libraries_floor_ms": timed["libraries"]["median"],
        "libraries_floor_vs_boto3": round(timed["libraries"]["median"] / boto3, 2),
        "import_app_catalog_source_ms": timed["catalog_source"]["median"],
        "import_app_all_source_ms": timed["all_source"]["median"],
        "catalog_source_vs_boto3": round(timed["catalog_source"]["median"] / boto3, 2),
        "min_ms": {name: value["min"] for name, value in timed.items()},
        "catalog_import_breakdown": breakdown,
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
