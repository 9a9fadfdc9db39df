"""The real local server for the fuzz run: `python -m local.runner` on free ports with its own data dir,
and a small JSON client over HTTP with the same interface as tests/fakes/http.py's in-process Api."""
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

from local.dynamodb_local import free_port
from tests.fakes.http import Reply

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180


class HttpApi:
    """Calls a running server over HTTP; `request` as tests/fakes/http.Api's."""

    def __init__(self, base: str) -> None:
        self.base = base

    def request(self, method: str, path: str, body: Any = None, token: Optional[str] = None,
                headers: Optional[Dict[str, str]] = None, raw: Optional[bytes] = None) -> Reply:
        """Send one request; `body` is JSON-encoded unless `raw` bytes are given."""
        sent = {"Content-Type": "application/json"}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, payload, got = exc.code, exc.read(), dict(exc.headers)
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return Reply(status, parsed, got)


class LiveServer:
    """One `python -m local.runner` child (its own session, DynamoDB Local included) on free ports."""

    def __init__(self, data_dir: Path, platform_key: str) -> None:
        self.port, self.ddb_port = free_port(), free_port()
        self.platform_key = platform_key
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CROWDCART_", "AWS_", "POWERTOOLS_"))}
        env.update(CROWDCART_PORT=str(self.port), CROWDCART_DYNAMODB_PORT=str(self.ddb_port),
                   CROWDCART_DATA_DIR=str(data_dir), CROWDCART_PLATFORM_KEY=platform_key,
                   POWERTOOLS_LOG_LEVEL="ERROR", PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]))
        self.process = subprocess.Popen([sys.executable, "-m", "local.runner"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.api = HttpApi(f"http://127.0.0.1:{self.port}")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        """Everything the runner printed (banner, logs, tracebacks)."""
        return "".join(self.lines)

    @property
    def url(self) -> str:
        """The API's base URL."""
        return self.api.base

    def wait_ready(self) -> None:
        """Until the banner is out and /health answers."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the runner exited ({self.process.returncode}):\n{self.output[-5000:]}")
            if re.search(r"^\s*Demo merchant\s+\S+", self.output, re.MULTILINE):
                try:
                    if self.api.request("GET", "/health").status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"the runner was not ready in {START_TIMEOUT}s:\n{self.output[-5000:]}")

    def stop(self) -> None:
        """SIGTERM (the runner stops cleanly), then the whole process group if anything lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # DynamoDB Local, if it outlived the runner
        except (ProcessLookupError, PermissionError):
            pass
