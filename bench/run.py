"""`make bench`: run every benchmark in bench/ and write one JSON report, bench/report.json (git-ignored).

Each bench/<name>.py is run as `python -m bench.<name>` in its own process (each starts its own
DynamoDB Local) and prints one JSON object; the report keeps, per module, its figures, wall time and
exit status. A failing or hanging benchmark is recorded (status, stderr tail), never fatal: the
other benchmarks still run and `make bench` exits 0. Benchmarks never fail on time.

Options: --only name,name  --skip name,name  --timeout SECONDS (per benchmark, default 1800)
         --out PATH (default bench/report.json).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NOT_BENCHMARKS = {"__init__", "run"}


def modules() -> List[str]:
    """Every benchmark module in bench/, by name."""
    return sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_"))


def last_json_object(text: str) -> Optional[Any]:
    """The JSON object a benchmark printed (the whole stdout, or else its last parseable `{…}` block)."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for start in [i for i, ch in enumerate(text) if ch == "{" and (i == 0 or text[i - 1] == "\n")][::-1]:
        try:
            return json.loads(text[start:])
        except ValueError:
            continue
    return None


def _nearby(f: Dict[str, Any]) -> Dict[str, Any]:
    return {str(r["stores"]): {"items_read_per_query": r["items_read_per_query"]["mean"],
                               "median_ms": r["latency_ms_per_query"]["median"]} for r in f["results"]}


# The figures the issue asks for, lifted to the top of the report (a benchmark whose output changed
# shape simply has no headline; its full figures are still in its entry).
HEADLINES = {
    "coldstart": lambda f: {k: f[k] for k in ("catalog_vs_boto3", "all_vs_boto3", "goal_catalog_vs_boto3")},
    "checkout": lambda f: {"orders_per_s": f["checkout"]["orders_per_s"], "floor_writes_per_s": f["floor"]["writes_per_s"],
                           "ratio_to_floor": f["ratio_to_floor"],
                           "requests_per_checkout": f["checkout"]["dynamodb"]["requests_per_checkout"]},
    "flashsale": lambda f: f["summary"],
    "nearby": _nearby,
}


def headlines(entries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The headline figures of the benchmarks that ran."""
    found = {}
    for entry in entries:
        name = entry["module"].split(".", 1)[1]
        if entry["figures"] is not None and name in HEADLINES:
            try:
                found[name] = HEADLINES[name](entry["figures"])
            except (KeyError, TypeError, IndexError):
                continue
    return found


def run_one(name: str, timeout: float) -> Dict[str, Any]:
    """Run one benchmark; its entry of the report."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]), PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    entry: Dict[str, Any] = {"module": f"bench.{name}"}
    try:
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout, start_new_session=True)
        status, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        status, err = "timeout", (exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or "")
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    entry["wall_seconds"] = round(time.perf_counter() - started, 2)
    entry["exit_status"] = status
    figures = last_json_object(out) if out else None
    entry["figures"] = figures
    entry["ok"] = status == 0 and figures is not None
    if not entry["ok"]:
        entry["error"] = ("no JSON object on stdout; " if figures is None else "") + (err or "")[-4000:]
    return entry


def main() -> int:
    """Run the benchmarks, write the report, print where it is and a one-line status per benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--skip", default="")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("CROWDCART_BENCH_TIMEOUT", "1800")))
    parser.add_argument("--out", default=str(BENCH / "report.json"))
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    names = [n for n in modules() if (not only or n in only) and n not in skip]
    started = time.perf_counter()
    entries = []
    for name in names:
        print(f"bench.{name} …", file=sys.stderr, flush=True)
        entry = run_one(name, args.timeout)
        entries.append(entry)
        print(f"bench.{name}: {'ok' if entry['ok'] else 'FAILED (' + str(entry['exit_status']) + ')'} "
              f"in {entry['wall_seconds']} s", file=sys.stderr, flush=True)
    report = {"generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
              "wall_seconds": round(time.perf_counter() - started, 2),
              "ok": sum(1 for e in entries if e["ok"]), "failed": [e["module"] for e in entries if not e["ok"]],
              "headlines": headlines(entries), "benchmarks": entries}
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: {report['ok']} ok, {len(report['failed'])} failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
