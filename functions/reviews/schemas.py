"""Request bodies of reviews."""
from typing import List

from pydantic import Field

from crowdcart.api.schemas import HttpsUrl, Id, Strict


class CreateReview(Strict):
    """POST /v1/orders/{order_id}/reviews."""

    sku_id: Id
    rating: int = Field(..., ge=1, le=5)
    text: str = Field("", max_length=500)
    photos: List[HttpsUrl] = Field(default_factory=list, max_length=9)


class Reply(Strict):
    """POST /admin/v1/reviews/{review_id}/reply."""

    text: str = Field(..., min_length=1, max_length=500)
