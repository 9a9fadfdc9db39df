"""`make run`: DynamoDB Local with data on disk, tables, seed, background loops and the API on 127.0.0.1.

Background work (sweepers, the state-machine engine, the stream consumer, the pay sandbox)
plugs in through `local.loops.LOOPS`; each is started after the tables exist and stopped on exit.
SIGINT (Ctrl-C, also when started in the background, where SIGINT is inherited as ignored) and SIGTERM
stop everything in order within a second or two: the loops and the HTTP server first, DynamoDB Local last.
"""
import os
import secrets
import signal
import sys
import threading
import time
from typing import Any, Dict, List

from local import environment
from local.dynamodb_local import DynamoDBLocal

BANNER = """
Crowdcart is running (local mode).

  API              http://127.0.0.1:{port}
  API docs         http://127.0.0.1:{port}/docs   (OpenAPI document: /openapi.json)
  Health           http://127.0.0.1:{port}/health
  DynamoDB Local   {endpoint}   (data in {data_dir}/)

  Platform key     {platform_key}
  Demo shop id     {shop_id}
  Demo merchant    {merchant_key}

Log in as a shopper (a code works once, so this one is new on every start; alice#<anything> is always alice):
  curl -s -X POST http://127.0.0.1:{port}/v1/auth/login -H 'Content-Type: application/json' \\
       -d '{{"shop_id": "{shop_id}", "code": "{login_code}"}}'
Browse as that shopper:
  curl -s http://127.0.0.1:{port}/v1/products -H "Authorization: Bearer <token>"
Merchant calls:
  curl -s http://127.0.0.1:{port}/admin/v1/orders -H "Authorization: Bearer {merchant_key}"

Ctrl-C stops everything.
"""
JOIN_SECONDS = 5.0  # the most the runner waits for its loops to return, all together


def stop_on_signals() -> List[int]:
    """Handle SIGINT and SIGTERM by noting them in the returned list (no locks in a signal handler)."""
    received: List[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: received.append(signum))
    return received


def start_backend(port: int, data_dir: str, stop: threading.Event) -> Dict[str, Any]:
    """Tables, demo shop, background loops and the HTTP server (on its thread)."""
    from infra.tables import create_tables

    create_tables(environment.dynamodb_client(), environment.table_names())
    from local import loops, seed
    from local.server import make_server, serve_in_thread

    import app as application

    demo = seed.ensure_demo_shop(data_dir)
    workers = loops.start_all(application.app, stop)
    server = make_server(application.app, "127.0.0.1", port)
    serve_in_thread(server)
    return {"demo": demo, "workers": workers, "server": server}


def stop_backend(backend: Dict[str, Any], stop: threading.Event) -> None:
    """Wake the loops, close the server and its connections, then wait (briefly) for the loops."""
    stop.set()
    backend["server"].stop()
    deadline = time.monotonic() + JOIN_SECONDS
    for worker in backend["workers"]:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))


def main() -> int:
    """Start everything, print what a person needs, and run until SIGINT or SIGTERM."""
    received = stop_on_signals()
    port = int(os.environ.get("CROWDCART_PORT", "8000"))
    data_dir = os.environ.get("CROWDCART_DATA_DIR", ".local")
    keys = environment.local_secrets(data_dir)
    platform_key = os.environ.get("CROWDCART_PLATFORM_KEY") or keys["platform_key"]
    ddb_port = int(os.environ.get("CROWDCART_DYNAMODB_PORT", "0")) or None
    dynamodb = DynamoDBLocal(port=ddb_port, data_dir=os.path.join(data_dir, "dynamodb")).start()
    stop = threading.Event()
    try:
        environment.configure(dynamodb.endpoint, keys["jwt_secret"], platform_key)
        os.environ.setdefault("CROWDCART_DATA_DIR", data_dir)
        backend = start_backend(port, data_dir, stop)
        demo = backend["demo"]
        print(BANNER.format(port=port, endpoint=dynamodb.endpoint, data_dir=data_dir, platform_key=platform_key,
                            shop_id=demo["shop_id"], merchant_key=demo["api_key"],
                            login_code=f"alice#{secrets.token_hex(4)}"), flush=True)
        while not received:
            time.sleep(0.1)  # a signal interrupts the sleep; its handler only appends to `received`
        print("\nStopping…", flush=True)
        stop_backend(backend, stop)
    finally:
        stop.set()
        dynamodb.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
