"""Domain errors: each carries a stable snake_case code and the HTTP status app.py maps it to."""
from typing import Any, Dict, Optional


class CrowdcartError(Exception):
    """Base of every error a client may see; `status` is the HTTP status."""

    status = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: Dict[str, Any] = details

    def to_body(self) -> Dict[str, Any]:
        """The JSON error body of the API contract."""
        body: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body.update(self.details)
        return {"error": body}


class BadRequest(CrowdcartError):
    """Malformed request (unparseable JSON, bad query value, missing header)."""

    status = 400


class Unauthorized(CrowdcartError):
    """Missing or invalid credentials."""

    status = 401


class Forbidden(CrowdcartError):
    """Valid credentials without the right to do this."""

    status = 403


class NotFound(CrowdcartError):
    """The object does not exist for this caller (also used across the tenant wall)."""

    status = 404


class Conflict(CrowdcartError):
    """The request conflicts with the current state (sold out, already done, wrong state)."""

    status = 409


class PayloadTooLarge(CrowdcartError):
    """The body is larger than we accept."""

    status = 413


class Unprocessable(CrowdcartError):
    """Well-formed JSON whose fields fail validation."""

    status = 422


class TooManyRequests(CrowdcartError):
    """Rate limited."""

    status = 429


class ServiceUnavailable(CrowdcartError):
    """A dependency is busy; the client may retry."""

    status = 503


def validation_error(field: str, message: str) -> Unprocessable:
    """A 422 naming the offending field."""
    return Unprocessable("validation_error", f"{field}: {message}", field=field)


def not_found(kind: str, ident: Optional[str] = None) -> NotFound:
    """A 404 with code `<kind>_not_found`."""
    suffix = f" {ident}" if ident else ""
    return NotFound(f"{kind}_not_found", f"No {kind.replace('_', ' ')}{suffix} here.")
