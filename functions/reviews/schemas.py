"""Request bodies of reviews."""
from typing import List, Optional

from pydantic import BaseModel, Field

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


class ReviewView(BaseModel):
    """A review as shoppers see it."""

    id: str
    product_id: str
    sku_id: str
    rating: int
    text: str
    photos: List[str]
    created_at: str
    reply: Optional[str] = None


class ReviewPage(BaseModel):
    """A page of a product's reviews."""

    items: List[ReviewView]
    next_cursor: Optional[str] = None
