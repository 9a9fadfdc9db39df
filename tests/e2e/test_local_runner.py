"""`python -m local.runner` over real HTTP: demo shop, login, browse; Ctrl-C stops it and DynamoDB Local;
a restart on the same data dir finds the same demo shop without seeding again."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from local.dynamodb_local import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


def _default_sigint() -> None:
    """In the child: Ctrl-C must interrupt, even if this test runs where SIGINT is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _children(pid: int) -> List[int]:
    """Direct children of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


class Runner:
    """One `python -m local.runner` child with its own session, output collected on a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.port, self.ddb_port = free_port(), free_port()
        env = dict(os.environ, CROWDCART_PORT=str(self.port), CROWDCART_DYNAMODB_PORT=str(self.ddb_port),
                   CROWDCART_DATA_DIR=str(data_dir), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]),
                   PYTHONUNBUFFERED="1")
        for name in [k for k in env if k.startswith(("CROWDCART_", "AWS_", "POWERTOOLS_"))]:
            if name not in ("CROWDCART_PORT", "CROWDCART_DYNAMODB_PORT", "CROWDCART_DATA_DIR"):
                env.pop(name)  # the test session's own settings must not leak into the runner
        self.process = subprocess.Popen([sys.executable, "-m", "local.runner"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True, preexec_fn=_default_sigint)
        self.lines: List[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def banner_value(self, label: str) -> Optional[str]:
        match = re.search(rf"^\s*{label}\s+(\S+)", self.output, re.MULTILINE)
        return match.group(1) if match else None

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"runner exited early ({self.process.returncode}):\n{self.output}")
            if self.banner_value("Demo merchant") and self.call("GET", "/health")[0] == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"runner not ready in {START_TIMEOUT}s:\n{self.output}")

    def call(self, method: str, path: str, body: Any = None, token: Optional[str] = None,
             extra_headers: Optional[Dict[str, str]] = None) -> tuple:
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
        except (urllib.error.URLError, ConnectionError, OSError):
            return 0, None

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, as a person would; returns the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill_everything(self) -> None:
        """Failure clean-up: the runner's whole process group (it leads a new session; DynamoDB Local is in it)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture
def runners():
    started: List[Runner] = []
    yield started
    for runner in started:
        runner.kill_everything()  # no-op after a clean stop; otherwise the runner and its DynamoDB Local
        for pid in getattr(runner, "children", []):
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _browse(runner: Runner, shop_id: str, merchant_key: str) -> Dict[str, Any]:
    status, login = runner.call("POST", "/v1/auth/login", {"shop_id": shop_id, "code": f"e2e#{time.time_ns()}"})
    assert status == 200, login
    token = login["token"]
    status, listed = runner.call("GET", "/v1/products?limit=50", token=token)
    assert status == 200, listed
    assert listed["items"], "the demo shop has products"
    first = listed["items"][0]
    status, detail = runner.call("GET", f"/v1/products/{first['id']}", token=token)
    assert status == 200 and detail["id"] == first["id"] and detail["skus"], detail
    assert all({"id", "spec", "price_fen", "stock"} <= set(s) for s in detail["skus"])
    status, merchant_list = runner.call("GET", "/admin/v1/products?limit=50", token=merchant_key)
    assert status == 200
    return {"products": sorted(p["id"] for p in merchant_list["items"])}


@pytest.mark.e2e
def test_runner_serves_the_demo_shop_stops_cleanly_and_keeps_its_data(runners, tmp_path):
    first = Runner(tmp_path)
    runners.append(first)
    first.wait_ready()
    shop_id, merchant_key = first.banner_value("Demo shop id"), first.banner_value("Demo merchant")
    assert shop_id and merchant_key.startswith("mk_")
    assert first.call("GET", "/health") == (200, {"status": "ok"})
    seen = _browse(first, shop_id, merchant_key)
    first.children = _children(first.process.pid)
    assert first.children, "DynamoDB Local runs as the runner's child"

    assert first.interrupt() == 0, first.output
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in first.children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in first.children if _alive(pid)], "DynamoDB Local outlived the runner"
    assert first.call("GET", "/health")[0] == 0

    second = Runner(tmp_path)
    runners.append(second)
    second.wait_ready()
    assert second.banner_value("Demo shop id") == shop_id
    assert second.banner_value("Demo merchant") == merchant_key
    assert _browse(second, shop_id, merchant_key) == seen  # the same products: no second seed
    second.children = _children(second.process.pid)
    assert second.interrupt() == 0
