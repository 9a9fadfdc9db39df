"""HTTP routes of reviews."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.reviews import schemas, service

bp = Blueprint(__name__)


@bp.route("/v1/orders/{order_id}/reviews", methods=["POST"])
@spec(auth="shopper", request=schemas.CreateReview, response=schemas.ReviewView, status=201, errors=(404, 409, 422))
def create_review(order_id):
    """Review one line of a received order."""
    shopper = req.shopper(bp.current_request)
    body = req.body(bp.current_request, schemas.CreateReview)
    review = service.create(shopper.shop_id, shopper.user_id, order_id, body.sku_id, body.rating, body.text,
                            body.photos)
    return Response(status_code=201, body=review)


@bp.route("/v1/products/{product_id}/reviews", methods=["GET"])
@spec(auth="shopper", query={"cursor": "string", "limit": "integer"}, response=schemas.ReviewPage, errors=(400, 404))
def list_reviews(product_id):
    """A product's reviews, newest first."""
    shopper, r = req.shopper(bp.current_request), bp.current_request
    return service.list_for_product(shopper.shop_id, product_id, req.limit(r), req.cursor(r))


@bp.route("/admin/v1/reviews/{review_id}/reply", methods=["POST"])
@spec(auth="merchant", request=schemas.Reply, response=schemas.ReviewView, errors=(403, 404, 422))
def reply_review(review_id):
    """Answer a review."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.Reply)
    return service.reply(merchant.shop_id, review_id, body.text)
