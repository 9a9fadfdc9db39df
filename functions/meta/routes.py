"""HTTP routes of the meta capability (registered in every process; served by its own Lambda in AWS)."""
from chalice import Blueprint, Response

from crowdcart.api.docs import spec
from functions.meta import page, service

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
@spec(auth="none", response=service.HEALTH_SCHEMA)
def health():
    """Liveness probe."""
    return {"status": "ok"}


@bp.route("/openapi.json", methods=["GET"])
@spec(auth="none", response={"type": "object", "description": "An OpenAPI 3.1 document."})
def openapi_document():
    """The OpenAPI document of the routes this deployment serves."""
    return service.document(bp.current_app.routes)


@bp.route("/docs", methods=["GET"])
@spec(auth="none", response={"type": "string", "description": "An HTML page."})
def docs_page():
    """The OpenAPI document as a readable HTML page (no scripts, works offline)."""
    html = page.html_page(service.document(bp.current_app.routes))
    return Response(body=html, status_code=200, headers={"Content-Type": "text/html; charset=utf-8"})
