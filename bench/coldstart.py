"""Cold start: median wall time of `import app` in a fresh interpreter, catalog-only vs all capabilities vs boto3.

Each run is a new `python -c` process timing only the import statement (perf_counter around it),
the same way REFERENCE §8 measured. Importing the app opens no connection, so no DynamoDB Local is
started; the environment is the local one (`local.environment.configure`) with a placeholder endpoint.
Run: `.venv/bin/python -m bench.coldstart [runs]` (default 9, at least 7).
"""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

from local import environment

ROOT = Path(__file__).resolve().parent.parent
TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def _env(capabilities: Optional[str]) -> Dict[str, str]:
    saved = dict(os.environ)
    try:
        environment.configure("http://127.0.0.1:9", "bench-jwt-secret-" + "x" * 32, "pk_bench")
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers")])
    env.pop("CROWDCART_CAPABILITIES", None)
    if capabilities:
        env["CROWDCART_CAPABILITIES"] = capabilities
    return env


def sample(stmt: str, env: Dict[str, str]) -> float:
    """Seconds one fresh interpreter spends on `stmt`."""
    out = subprocess.run([sys.executable, "-c", TIMED.format(stmt=stmt)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def timings_ms(stmt: str, env: Dict[str, str], runs: int) -> Dict[str, float]:
    """Median and minimum over `runs` fresh processes, in ms (a warm-up run first fills the OS file cache
    and __pycache__); on a busy machine the minimum is the steadier figure."""
    sample(stmt, env)
    values = [sample(stmt, env) * 1000 for _ in range(runs)]
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1)}


OURS = ("app", "crowdcart", "functions")


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
    catalog_env, all_env = _env("catalog"), _env(None)
    catalog, everything = timings_ms("import app", catalog_env, runs), timings_ms("import app", all_env, runs)
    boto3 = timings_ms("import boto3", all_env, runs)
    figures: Dict[str, object] = {
        "runs": runs,
        "import_app_catalog_ms": catalog["median"], "import_app_all_ms": everything["median"],
        "import_boto3_ms": boto3["median"],
        "catalog_vs_boto3": round(catalog["median"] / boto3["median"], 2),
        "all_vs_boto3": round(everything["median"] / boto3["median"], 2),
        "min_ms": {"catalog": catalog["min"], "all": everything["min"], "boto3": boto3["min"]},
        "min_catalog_vs_boto3": round(catalog["min"] / boto3["min"], 2),
        "goal_catalog_vs_boto3": 1.5,
        "catalog_import_breakdown": import_breakdown(catalog_env),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
