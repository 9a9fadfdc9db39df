"""Crowdcart's Chalice app: wiring only — capabilities by setting, error mapping, request logging."""
import importlib
import os
import re
from functools import wraps
from typing import Callable, Dict, Optional, Tuple

from chalice import Chalice, Response

from crowdcart.api.openapi import route_spec
from crowdcart.errors import CrowdcartError
from crowdcart.observability import flush_metrics, logger
from crowdcart.settings import get_settings

# capability name -> the modules holding its Blueprint(s), each exposing `bp`
CAPABILITIES: Dict[str, Tuple[str, ...]] = {
    "meta": ("functions.meta.routes",),  # /health, /openapi.json, /docs: always registered
    "shops": ("functions.shops.routes",),
    "auth": ("functions.auth.routes",),
    "cart": ("functions.cart.routes",),
    "checkout": ("functions.checkout.routes",),
    "orders": ("functions.orders.routes", "functions.orders.tasks"),
    "aftersales": ("functions.aftersales.routes",),
    "reviews": ("functions.reviews.routes",),
    "notifications": ("functions.notifications.routes",),
    "streams": ("functions.streams.tasks",),
    "analytics": ("functions.analytics.routes",),
    "stores": ("functions.stores.routes",),
    "catalog": ("functions.catalog.routes",),
    "bargain": ("functions.bargain.routes",),
    "flashsale": ("functions.flashsale.routes", "functions.flashsale.tasks"),
    "groupbuy": ("functions.groupbuy.routes", "functions.groupbuy.tasks"),
    "payments": ("functions.payments.routes", "functions.payments.tasks"),
    "coupons": ("functions.coupons.routes", "functions.coupons.tasks"),
    "points": ("functions.points.routes",),
    "members": ("functions.members.routes",),
    "redpacket": ("functions.redpacket.routes", "functions.redpacket.tasks"),
    "discountpool": ("functions.discountpool.routes",),
    "giftvoucher": ("functions.giftvoucher.routes",),
    "referral": ("functions.referral.routes",),
    "lottery": ("functions.lottery.routes",),
    "cards": ("functions.cards.routes",),
    "sandbox": ("functions.sandbox.routes",),  # the WeChat Pay simulator: LOCAL_ONLY
}

ALWAYS_ON = ("meta",)  # served by every process, whatever CROWDCART_CAPABILITIES says

app = Chalice(app_name="crowdcart")
app.api.binary_types = []  # JSON only: never base64 a response


def enabled_capabilities() -> Tuple[str, ...]:
    """The capabilities this process serves: CROWDCART_CAPABILITIES, or all when unset."""
    raw = os.environ.get("CROWDCART_CAPABILITIES", "").strip()
    if not raw or raw == "all":
        return tuple(CAPABILITIES)
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in CAPABILITIES]
    if unknown:
        raise RuntimeError(f"unknown capabilities in CROWDCART_CAPABILITIES: {', '.join(unknown)}")
    return names + tuple(n for n in ALWAYS_ON if n not in names)


def error_body(code: str, message: str) -> Dict:
    """The API's error format."""
    return {"error": {"code": code, "message": message}}


def _mapped(view: Callable) -> Callable:
    """Run a view; domain errors become their status and JSON body, anything else a logged 500."""

    @wraps(view)
    def run(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except CrowdcartError as exc:
            return Response(status_code=exc.status, body=exc.to_body())
        except Exception:  # a 500 is always a bug: log it with the stack
            logger.exception("unhandled error")
            return Response(status_code=500, body=error_body("internal_error", "Something went wrong on our side."))

    return run


@app.middleware("http")
def request_context(event, get_response):
    """Tag logs with the request, and publish this request's metrics."""
    context = event.context or {}
    logger.append_keys(request_id=context.get("requestId"), path=context.get("resourcePath"))
    try:
        return _too_large(event) or _contract_errors(get_response(event))
    finally:
        flush_metrics()
        logger.remove_keys(["request_id", "path"])


def _too_large(event) -> Optional[Response]:
    """413 for a body over the limit before any view runs, so routes that never read their body refuse it too."""
    limit = get_settings().max_body_bytes
    if len(event.raw_body or b"") <= limit:
        return None
    message = f"The body must be at most {limit} bytes."
    route = app.routes.get((event.context or {}).get("resourcePath"), {}).get(event.method)
    if route is not None and (route_spec(route.view_function) or {}).get("auth") == "wechatpay":
        return Response(status_code=413, body={"code": "FAIL", "message": message})  # WeChat's failure body
    return Response(status_code=413, body=error_body("payload_too_large", message))


def _contract_errors(response: Response) -> Response:
    """Rewrite Chalice's own error bodies ({"Code", "Message"}: 405, 415…) into the API's format."""
    body = response.body
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body["Code"]).removesuffix("Error")).lower()
        response.body = error_body(code, str(body["Message"]))
    return response


LOCAL_ONLY = ("sandbox",)  # registered only in local mode with the WeChat sandbox; never in AWS


def _local_sandbox() -> bool:
    from crowdcart.settings import get_settings

    settings = get_settings()
    return settings.is_local and settings.wechat_mode == "sandbox"


def _register() -> None:
    for name in enabled_capabilities():
        if name in LOCAL_ONLY and not _local_sandbox():
            continue
        for module_path in CAPABILITIES[name]:
            app.register_blueprint(importlib.import_module(module_path).bp)
    for methods in app.routes.values():
        for entry in methods.values():
            entry.view_function = _mapped(entry.view_function)


_register()
