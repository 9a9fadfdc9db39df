"""Reviews: written once per received order line, listed per product, answered by the merchant."""
from typing import Any, Dict, List, Optional

from crowdcart.clock import iso, now
from crowdcart.db.models.reviews import Review
from crowdcart.db.orders import get_shopper_order
from crowdcart.db.writes import ConditionFailed, put_unique, update_if
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, NotFound, not_found
from crowdcart.ids import derived_id, is_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor

REVIEWABLE = (states.RECEIVED, states.COMPLETED)


def view(review: Review) -> Dict[str, Any]:
    """A review as the API shows it (no user id: reviews are public within the shop)."""
    return {"id": review.review_id, "product_id": review.product_id, "sku_id": review.sku_id,
            "rating": review.rating, "text": review.text, "photos": review.photos,
            "created_at": iso(review.created_at), "reply": review.reply}


def create(shop_id: str, user_id: str, order_id: str, sku_id: str, rating: int, text: str,
           photos: List[str]) -> Dict[str, Any]:
    """Review one line of a received order; a second review of the same line is a 409."""
    order = get_shopper_order(shop_id, user_id, order_id)
    if order.status not in REVIEWABLE:
        raise Conflict("order_not_received", "Only received orders can be reviewed.")
    line = next((line for line in order.lines if line["sku_id"] == sku_id), None)
    if line is None:
        raise NotFound("line_not_found", f"SKU {sku_id} is not in this order.", sku_id=sku_id)
    review_id = derived_id("review", shop_id, order_id, sku_id)
    created = now()
    review = Review(*Review.key(shop_id, review_id), review_id=review_id, order_id=order_id, sku_id=sku_id,
                    product_id=line["product_id"], user_id=user_id, rating=rating, text=text, photos=photos,
                    created_at=created, GSI1PK=Review.product_partition(shop_id, line["product_id"]),
                    GSI1SK=f"REVIEW#{created:010d}#{review_id}")
    try:
        put_unique("review", review)
    except ConditionFailed as exc:
        raise Conflict("already_reviewed", "This item of the order was already reviewed.") from exc
    business_event("ReviewPosted", shop_id=shop_id, order_id=order_id, rating=rating)
    return view(review)


def list_for_product(shop_id: str, product_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A product's reviews, newest first."""
    if not is_id(product_id):
        raise not_found("product", product_id)
    results = Review.gsi1.query(Review.product_partition(shop_id, product_id), scan_index_forward=False,
                                limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [view(r) for r in results]
    return {"items": items, "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}


def reply(shop_id: str, review_id: str, text: str) -> Dict[str, Any]:
    """The merchant answers a review (replacing an earlier answer)."""
    if not is_id(review_id):
        raise not_found("review", review_id)
    review = Review(*Review.key(shop_id, review_id))
    try:
        update_if("review", review, [Review.reply.set(text), Review.replied_at.set(now())])
    except ConditionFailed as exc:
        raise not_found("review", review_id) from exc
    return view(Review.get(*Review.key(shop_id, review_id), consistent_read=True))
