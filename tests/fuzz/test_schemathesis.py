"""Schemathesis against the real local server (`python -m local.runner`, as `make run` starts it) and
the OpenAPI document it serves: every operation, authenticated as its security scheme says (shopper
token, the shop owner's merchant key, the platform key), with real object ids mixed into the path
parameters (tests/fuzz/hooks.py). Checks: no 5xx, and every response matches its documented schema.

In CI (CI=true): 100 examples per operation; locally, to keep `make test` quick,
CROWDCART_FUZZ_EXAMPLES (default 10). Phases: examples and fuzzing; CROWDCART_FUZZ_PHASES=
examples,coverage,fuzzing adds schemathesis' coverage phase (boundary and negative values of every
field, ~30% more cases) — run on 186 operations at 100 examples: 24,455 cases, none failed. A case
costs ~14 ms of CPU (schemathesis ~7.5, the server ~2.7, DynamoDB Local ~3.7), so CI's ~18,600
cases take ~4 CPU-minutes: 4m17s measured on this shared two-core machine. The operations are split over CROWDCART_FUZZ_PROCESSES schemathesis
processes (default 2): processes, not `--workers` threads, because hypothesis' lambda introspection is not thread-safe on CPython 3.11 (a
worker thread dies with "AST constructor recursion depth mismatch"). Hypothesis health checks (slow
data generation on a busy machine) are not API defects and are suppressed.
"""
import json
import os
import re
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Dict, List

import pytest

import tests.security.recipes  # noqa: F401 - registers the factories and recipes
from tests.fuzz.live import ROOT, LiveServer
from tests.security import catalogue
from tests.security.registry import Tenant, build, rightful

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = 100 if CI else int(os.environ.get("CROWDCART_FUZZ_EXAMPLES", "10"))
PHASES = os.environ.get("CROWDCART_FUZZ_PHASES") or "examples,fuzzing"
PROCESSES = max(1, int(os.environ.get("CROWDCART_FUZZ_PROCESSES", "2")))
CHECKS = "not_a_server_error,response_schema_conformance"
SCHEMES = {"shopper": "shopperJwt", "merchant": "merchantKey", "platform": "platformKey"}


def real_ids(tenant: Tenant) -> Dict[str, Dict[str, List[str]]]:
    """`METHOD path` → {parameter: [id of an object that exists]}, made through the registry's factories."""
    found: Dict[str, Dict[str, List[str]]] = {}
    for route in catalogue.routes():
        if not route.params or route.auth not in SCHEMES:
            continue
        try:
            caller = rightful(route, tenant)
            request = build(route, caller.objects, path_objects=caller.path_objects)
        except Exception:  # best effort: a factory may need the in-process stream (tests/security covers it)
            continue
        found[route.key] = {param: [ident] for param, ident in request.ids.items()}
    return found


def split(document: Dict[str, Any], parts: int) -> List[str]:
    """Path regexes that share the operations out over `parts` processes, about evenly."""
    paths = sorted(document["paths"], key=lambda p: (-len(document["paths"][p]), p))
    groups: List[List[str]] = [[] for _ in range(parts)]
    load = [0] * parts
    for path in paths:
        smallest = load.index(min(load))
        groups[smallest].append(path)
        load[smallest] += len(document["paths"][path])
    return ["^(?:" + "|".join(re.escape(p) for p in group) + ")$" for group in groups if group]


def config(tmp: Path, tenant: Tenant, platform_key: str) -> Path:
    """schemathesis.toml: credentials per security scheme, and the hooks file."""
    tokens = {"shopperJwt": tenant.shopper("x").token, "merchantKey": tenant.owner_key, "platformKey": platform_key}
    lines = [f'hooks = "{ROOT / "tests" / "fuzz" / "hooks.py"}"']
    for scheme, token in tokens.items():
        lines += [f"[auth.openapi.{scheme}]", f'bearer = "{token}"']
    path = tmp / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def failures(report: Path) -> List[str]:
    """`operation: message` of every failed or errored test case of a JUnit report."""
    if not report.exists():
        return []
    found = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        for problem in list(case.iter("failure")) + list(case.iter("error")):
            text = (problem.get("message") or "") + "\n" + (problem.text or "")
            found.append(f"{case.get('name')}: {text.strip()[:3000]}")
    return found


@pytest.mark.e2e
def test_every_operation_survives_schemathesis(tmp_path):
    platform_key = "pk_fuzz_" + secrets.token_urlsafe(24)
    server = LiveServer(tmp_path / "data", platform_key)
    try:
        server.wait_ready()
        tenant = Tenant(server.api, platform_key, "Fuzz")
        ids_file = tmp_path / "ids.json"
        ids_file.write_text(json.dumps(real_ids(tenant)))
        document = server.api.request("GET", "/openapi.json").body
        settings = config(tmp_path, tenant, platform_key)
        seed = os.environ.get("CROWDCART_FUZZ_SEED") or str(secrets.randbelow(2**63))
        env = dict(os.environ, CROWDCART_FUZZ_IDS=str(ids_file), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]))
        runs = []
        for index, regex in enumerate(split(document, PROCESSES)):
            out = tmp_path / f"schemathesis-{index}.txt"
            command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(settings), "run",
                       f"{server.url}/openapi.json", "--checks", CHECKS, "--max-examples", str(EXAMPLES),
                       "--phases", PHASES, "--suppress-health-check", "all",
                       "--workers", "1", "--seed", seed, "--generation-database", "none", "--no-color",
                       "--request-timeout", "30", "--include-path-regex", regex,
                       "--report", "junit", "--report-junit-path", str(tmp_path / f"junit-{index}.xml")]
            runs.append((subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out.open("w"),
                                          stderr=subprocess.STDOUT), out, tmp_path / f"junit-{index}.xml"))
        problems, outputs = [], []
        for process, out, report in runs:
            code = process.wait(timeout=3600)
            text = out.read_text()
            outputs.append(text)
            found = failures(report)
            problems += found
            if code != 0 and not found:
                problems.append(f"schemathesis exited {code}:\n{text[-4000:]}")
        tracebacks = [block for block in server.output.split("Traceback")[1:]]
        assert not problems, (f"seed {seed}, {EXAMPLES} examples per operation, phases {PHASES}; "
                              f"{len(problems)} problem(s):\n\n"
                              + "\n\n".join(problems)[:60000] + "\n\nserver log tail:\n" + server.output[-3000:])
        assert not tracebacks, "the server logged tracebacks:\n" + "Traceback".join(tracebacks)[:8000]
        for text in outputs:
            assert "Tested:" in text or "passed" in text, text[-3000:]
    finally:
        server.stop()
