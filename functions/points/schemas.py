"""Request bodies of the points capability."""
from pydantic import Field

from crowdcart.api.schemas import Id, Strict


class Share(Strict):
    """POST /v1/me/shares: one share the mini-program reports; the same `share_id` counts once."""

    share_id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
    page: str = Field("", max_length=200, description="what was shared (a product page, a group…)")


class Exchange(Strict):
    """POST /v1/me/points/exchanges: spend points on one coupon of a template that has a points cost."""

    template_id: Id
