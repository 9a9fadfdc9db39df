"""The local HTTP server: Chalice's local gateway, with JSON 404s for unknown routes."""
import json
import threading
from typing import Any, Optional

from chalice.config import Config
from chalice.local import (ChaliceRequestHandler, ForbiddenError, LocalChalice, LocalGateway,
                           LocalGatewayException, ThreadedHTTPServer)


class RouteNotFound(LocalGatewayException):
    """No route matches: answer like the API does, with a JSON 404."""

    CODE = 404


class CrowdcartGateway(LocalGateway):
    """Chalice's LocalGateway, except that an unknown path is a JSON 404, not API Gateway's 403."""

    def handle_request(self, method: str, path: str, headers: Any, body: Optional[bytes]) -> Any:
        """Route one request."""
        try:
            return super().handle_request(method, path, headers, body)
        except ForbiddenError as exc:
            if b"Missing Authentication Token" not in (exc.body or b"") and b"Credential" not in (exc.body or b""):
                raise
            payload = {"error": {"code": "route_not_found", "message": f"No route {method} {path.split('?')[0]}."}}
            raise RouteNotFound({"Content-Type": "application/json"}, json.dumps(payload).encode()) from exc


class _Handler(ChaliceRequestHandler):
    def __init__(self, request, client_address, server, app_object, config):
        self.local_gateway = CrowdcartGateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet access log
        return


def make_server(app: Any, host: str, port: int) -> ThreadedHTTPServer:
    """A threaded HTTP server for `app` on host:port."""
    config = Config.create(chalice_stage="local", app_name="crowdcart", lambda_timeout=30)

    if not isinstance(app, LocalChalice):  # thread-local current_request, as `chalice local` does
        app.__class__ = type("LocalCrowdcart", (LocalChalice, app.__class__), {})

    def handler(*args):
        return _Handler(*args, app_object=app, config=config)

    server = ThreadedHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadedHTTPServer) -> threading.Thread:
    """Serve forever on a daemon thread."""
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    return thread
