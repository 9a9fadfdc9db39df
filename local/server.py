"""The local HTTP server: Chalice's local gateway, with JSON 404s for unknown routes.

Hardened against what a fuzzer sends (chalice local answered TRACE with an HTML 501 and dropped the
connection on a malformed request): every method reaches the gateway (which answers 405 in JSON),
HEAD answers carry no body, chunked and malformed bodies are read or refused with a JSON 400, and a
failure inside the handler is a logged JSON 500, never a closed connection. `LocalServer.stop()` ends
the accept loop and every open connection at once, so the runner stops in a fraction of a second.
"""
import json
import socket
import sys
import threading
from typing import Any, Optional, Set, Tuple

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


class _BadRequest(Exception):
    """The request cannot be read (its framing, not its content)."""


MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own limit; the app refuses more than its setting with a 413


class _Handler(ChaliceRequestHandler):
    # One send per response, without Nagle: unbuffered header and body writes met the client's delayed
    # ACK and cost ~40 ms per request on keep-alive connections (measured: /health 50-80 ms → <2 ms).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def __init__(self, request, client_address, server, app_object, config):
        self.local_gateway = CrowdcartGateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # TRACE, CONNECT, anything: the gateway answers 405 with Allow, in JSON
            return self._generic_handle
        raise AttributeError(name)

    def _parse_payload(self) -> Tuple[dict, Optional[bytes]]:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return dict(self.headers), self._read_chunked()
        raw = self.headers.get("content-length") or "0"
        if not raw.strip().isdigit():
            raise _BadRequest("Content-Length is not a number.")
        length = int(raw)
        if length > MAX_BODY_BYTES:
            raise _BadRequest("The body is too large.")
        return dict(self.headers), self.rfile.read(length) if length else None

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError as exc:
                raise _BadRequest("Malformed chunked body.") from exc
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline(1024)
            if len(body) > MAX_BODY_BYTES:
                raise _BadRequest("The body is too large.")

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except _BadRequest as exc:
            self.close_connection = True  # the rest of the stream cannot be trusted
            self._send_json(400, "bad_request", str(exc))
        except Exception:  # a bug: answer 500 in JSON (and log it) rather than drop the connection
            from crowdcart.observability import logger

            logger.exception("local server failed to handle a request", extra={"path": self.path})
            self.close_connection = True
            self._send_json(500, "internal_error", "Something went wrong on our side.")

    def _send_json(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self._send_http_response(status, {"Content-Type": "application/json"}, body)

    def _send_http_response_with_body(self, code: int, headers: Any, body: Any) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        data = body if isinstance(body, bytes) else str(body).encode("utf-8")
        self.send_response(code)  # a HEAD answer has headers only, or keep-alive framing breaks
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet access log
        return


class LocalServer(ThreadedHTTPServer):
    """Chalice's threaded server, which also knows its open connections so that stop() ends them."""

    daemon_threads = True
    block_on_close = False  # stop() closes the connections; never wait on a client's keep-alive

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stopping = False
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection, then serve it on its own thread."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection and close it."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that breaks (the client left, or stop() closed it) is no error; anything else is logged."""
        if self.stopping or isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        from crowdcart.observability import logger

        logger.exception("local server connection failed", extra={"client": str(client_address)})

    def stop(self) -> None:
        """Stop accepting, close the listening socket and end every open connection (idle keep-alives too)."""
        self.stopping = True
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler


def make_server(app: Any, host: str, port: int) -> LocalServer:
    """A threaded HTTP server for `app` on host:port."""
    config = Config.create(chalice_stage="local", app_name="crowdcart", lambda_timeout=30)

    if not isinstance(app, LocalChalice):  # thread-local current_request, as `chalice local` does
        app.__class__ = type("LocalCrowdcart", (LocalChalice, app.__class__), {})

    def handler(*args):
        return _Handler(*args, app_object=app, config=config)

    return LocalServer((host, port), handler)


def serve_in_thread(server: LocalServer) -> threading.Thread:
    """Serve forever on a daemon thread (checking for shutdown ten times a second)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True)
    thread.start()
    return thread
