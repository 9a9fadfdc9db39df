"""`python -m local.runner` over real HTTP: demo shop, login, browse; Ctrl-C stops it and DynamoDB Local;
a restart on the same data dir finds the same demo shop without seeding again; SIGINT (in a terminal or in
the background) and SIGTERM stop it within seconds, quietly; the banner's copy-paste login works on every start."""
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
from typing import Any, Dict, List, Optional, Tuple

import pytest

from local.dynamodb_local import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


STOP_SECONDS = 5  # "within a few seconds"


def _default_sigint() -> None:
    """In the child: Ctrl-C must interrupt, even if this test runs where SIGINT is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ignored_sigint() -> None:
    """In the child: SIGINT ignored, as for a background job started by a non-interactive shell."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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

    def __init__(self, data_dir: Path, background: bool = False) -> None:
        self.port, self.ddb_port = free_port(), free_port()
        env = dict(os.environ, CROWDCART_PORT=str(self.port), CROWDCART_DYNAMODB_PORT=str(self.ddb_port),
                   CROWDCART_DATA_DIR=str(data_dir), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]),
                   PYTHONUNBUFFERED="1")
        for name in [k for k in env if k.startswith(("CROWDCART_", "AWS_", "POWERTOOLS_"))]:
            if name not in ("CROWDCART_PORT", "CROWDCART_DYNAMODB_PORT", "CROWDCART_DATA_DIR"):
                env.pop(name)  # the test session's own settings must not leak into the runner
        self.process = subprocess.Popen([sys.executable, "-m", "local.runner"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True,
                                        preexec_fn=_ignored_sigint if background else _default_sigint)
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

    def stop_with(self, sig: int, group: bool = False, timeout: float = 30) -> Tuple[Optional[int], float]:
        """Send `sig` to the runner (or to its whole process group, as a terminal's Ctrl-C does);
        returns (exit code or None if still running after `timeout`, seconds it took)."""
        started = time.monotonic()
        (os.killpg if group else os.kill)(self.process.pid, sig)
        try:
            code: Optional[int] = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, round(time.monotonic() - started, 2)

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


def _banner_login(runner: Runner) -> tuple:
    """Run the banner's copy-paste login exactly as printed (its URL and its -d body)."""
    match = re.search(r"curl -s -X POST (\S+) .*?\n\s*-d '([^']+)'", runner.output)
    assert match, f"no login example in the banner:\n{runner.output}"
    url, body = match.group(1), json.loads(match.group(2))
    assert url == f"http://127.0.0.1:{runner.port}/v1/auth/login"
    return runner.call("POST", "/v1/auth/login", body)


def _get_status(runner: Runner, url: str) -> int:
    """Status of a plain GET (any content type)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _assert_stopped_cleanly(runner: Runner, code: Optional[int], seconds: float, children: List[int]) -> None:
    """Exit code 0 within STOP_SECONDS, no traceback printed, DynamoDB Local gone."""
    assert code == 0 and seconds <= STOP_SECONDS, f"exit {code} after {seconds}s:\n{runner.output}"
    runner._reader.join(timeout=5)
    assert "Traceback" not in runner.output, runner.output
    assert children and not [pid for pid in children if _alive(pid)], "DynamoDB Local outlived the runner"


@pytest.mark.e2e
def test_banner_login_works_on_every_start_and_links_are_live(runners, tmp_path):
    for _ in range(2):  # the same data dir: a fixed code would be `code_used` the second time
        runner = Runner(tmp_path)
        runners.append(runner)
        runner.wait_ready()
        status, login = _banner_login(runner)
        assert status == 200 and login["token"], login
        docs = runner.banner_value("API docs")
        assert docs == f"http://127.0.0.1:{runner.port}/docs" and _get_status(runner, docs) == 200
        console = re.search(r"http://\S+/console/", runner.output)
        if _get_status(runner, f"http://127.0.0.1:{runner.port}/console/") != 200:
            assert console is None, "the banner links a console the runner does not serve"
        runner.children = _children(runner.process.pid)
        assert runner.stop_with(signal.SIGTERM)[0] == 0


@pytest.mark.e2e
def test_ctrl_c_in_a_terminal_stops_everything_quickly_and_quietly(runners, tmp_path):
    runner = Runner(tmp_path)
    runners.append(runner)
    runner.wait_ready()
    _browse(runner, runner.banner_value("Demo shop id"), runner.banner_value("Demo merchant"))
    runner.children = _children(runner.process.pid)
    # a terminal's Ctrl-C reaches the whole foreground process group: DynamoDB Local gets it too
    code, seconds = runner.stop_with(signal.SIGINT, group=True)
    _assert_stopped_cleanly(runner, code, seconds, runner.children)


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_background_runner_stops_on_signal_quickly_and_quietly(runners, tmp_path, sig):
    runner = Runner(tmp_path, background=True)  # started with SIGINT ignored, like `make run &` in a script
    runners.append(runner)
    runner.wait_ready()
    _browse(runner, runner.banner_value("Demo shop id"), runner.banner_value("Demo merchant"))
    runner.children = _children(runner.process.pid)
    code, seconds = runner.stop_with(sig)
    _assert_stopped_cleanly(runner, code, seconds, runner.children)
