"""Request bodies of the orders capability."""
from pydantic import Field

from crowdcart.api.schemas import Strict


class Ship(Strict):
    """POST /admin/v1/orders/{id}/ship."""

    carrier: str = Field(..., min_length=1, max_length=40)
    tracking_no: str = Field(..., min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")


class PickupVerify(Strict):
    """POST /admin/v1/pickups/verify."""

    code: str = Field(..., pattern=r"^\d{8}$")
