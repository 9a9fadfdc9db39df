"""`make run`: DynamoDB Local with data on disk, tables, seed, background loops and the API on 127.0.0.1.

Background work (sweepers, the state-machine engine, the stream consumer, the pay sandbox)
plugs in through `local.loops.LOOPS`; each is started after the tables exist and stopped on exit.
"""
import os
import signal
import sys
import threading

from local import environment
from local.dynamodb_local import DynamoDBLocal

BANNER = """
Crowdcart is running (local mode).

  API              http://127.0.0.1:{port}
  Health           http://127.0.0.1:{port}/health
  DynamoDB Local   {endpoint}   (data in {data_dir}/)

  Platform key     {platform_key}
  Demo shop id     {shop_id}
  Demo merchant    {merchant_key}

Log in as a shopper (each code works once; the same name is the same shopper):
  curl -s -X POST http://127.0.0.1:{port}/v1/auth/login -H 'Content-Type: application/json' \\
       -d '{{"shop_id": "{shop_id}", "code": "alice#1"}}'
Browse as that shopper:
  curl -s http://127.0.0.1:{port}/v1/products -H "Authorization: Bearer <token>"
Merchant calls:
  curl -s http://127.0.0.1:{port}/admin/v1/orders -H "Authorization: Bearer {merchant_key}"

Ctrl-C stops everything.
"""


def main() -> int:
    """Start everything, print what a person needs, and wait for Ctrl-C."""
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
        from infra.tables import create_tables

        create_tables(environment.dynamodb_client(), environment.table_names())
        from local import loops, seed
        from local.server import make_server, serve_in_thread

        import app as application

        demo = seed.ensure_demo_shop(data_dir)
        workers = loops.start_all(application.app, stop)
        server = make_server(application.app, "127.0.0.1", port)
        serve_in_thread(server)
        print(BANNER.format(port=port, endpoint=dynamodb.endpoint, data_dir=data_dir, platform_key=platform_key,
                            shop_id=demo["shop_id"], merchant_key=demo["api_key"]), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("\nStopping…", flush=True)
        server.shutdown()
        for worker in workers:
            worker.join(timeout=5)
    finally:
        stop.set()
        dynamodb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
