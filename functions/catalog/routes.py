"""HTTP routes of the catalog capability: merchant admin under /admin/v1, shopper browsing under /v1."""
from chalice import Blueprint, Response

from crowdcart.api import request as req
from crowdcart.api.docs import spec
from functions.catalog import schemas, service

bp = Blueprint(__name__)

LIST_QUERY = {"category_id": "string", "q": "string", "cursor": "string", "limit": "integer"}


@bp.route("/admin/v1/categories", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateCategory, response=schemas.CreatedCategory, status=201,
      errors=(403, 404, 422))
def create_category():
    """Create a root category, or a child of a root."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateCategory)
    return Response(status_code=201, body=service.create_category(merchant.shop_id, body.name, body.parent_id,
                                                                  body.sort))


@bp.route("/admin/v1/categories", methods=["GET"])
@spec(auth="merchant", response=schemas.CategoryList)
def list_categories():
    """Every category of the shop, flat."""
    merchant = req.merchant(bp.current_request)
    return {"items": service.list_categories(merchant.shop_id), "next_cursor": None}


@bp.route("/admin/v1/products", methods=["POST"])
@spec(auth="merchant", request=schemas.CreateProduct, response=schemas.CreatedProduct, status=201,
      errors=(403, 404, 422))
def create_product():
    """Create a product with its SKUs (one transaction, search entries included)."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.CreateProduct)
    fields = body.model_dump(exclude={"skus"})
    created = service.create_product(merchant.shop_id, fields, [s.model_dump() for s in body.skus])
    return Response(status_code=201, body=created)


@bp.route("/admin/v1/products", methods=["GET"])
@spec(auth="merchant", response=schemas.ProductPage, query=LIST_QUERY, errors=(400, 404))
def admin_list_products():
    """The shop's products, on and off the shelf, newest first."""
    merchant = req.merchant(bp.current_request)
    query = req.query(bp.current_request)
    return service.list_products(merchant.shop_id, shopper=False, category_id=query.get("category_id"),
                                 query=query.get("q"), cursor=req.cursor(bp.current_request),
                                 limit=req.limit(bp.current_request))


@bp.route("/admin/v1/products/{product_id}", methods=["GET"])
@spec(auth="merchant", response=schemas.ProductDetail, errors=(404,))
def admin_get_product(product_id):
    """One product with its SKUs, stock and sales."""
    merchant = req.merchant(bp.current_request)
    return service.product_detail(merchant.shop_id, product_id, shopper=False)


@bp.route("/admin/v1/products/{product_id}", methods=["PATCH"])
@spec(auth="merchant", request=schemas.UpdateProduct, response=schemas.ProductDetail, errors=(403, 404, 409, 422))
def update_product(product_id):
    """Change some of a product's fields; shelving moves its SKUs in the same transaction."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.UpdateProduct)
    return service.update_product(merchant.shop_id, product_id, body.model_dump(include=body.model_fields_set))


@bp.route("/admin/v1/skus/{sku_id}/stock", methods=["PUT"])
@spec(auth="merchant", request=schemas.StockChange, response=schemas.StockOut, errors=(403, 404, 409, 422))
def change_stock(sku_id):
    """Set a SKU's stock, or adjust it by a delta that may not take it below zero."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.StockChange)
    return service.change_stock(merchant.shop_id, sku_id, body.stock, body.delta, body.expected_stock)


@bp.route("/admin/v1/skus/{sku_id}", methods=["PATCH"])
@spec(auth="merchant", request=schemas.UpdateSku, response=schemas.SkuOut, errors=(403, 404, 409, 422))
def update_sku(sku_id):
    """Change a SKU's price or spec."""
    merchant = req.merchant(bp.current_request, write=True)
    body = req.body(bp.current_request, schemas.UpdateSku)
    return service.update_sku(merchant.shop_id, sku_id, body.price_fen, body.spec)


@bp.route("/v1/products", methods=["GET"])
@spec(auth="shopper", response=schemas.ProductPage, query=LIST_QUERY, errors=(400, 401, 404))
def list_products():
    """On-shelf products, newest first, by category and/or keyword."""
    shopper = req.shopper(bp.current_request)
    query = req.query(bp.current_request)
    return service.list_products(shopper.shop_id, shopper=True, category_id=query.get("category_id"),
                                 query=query.get("q"), cursor=req.cursor(bp.current_request),
                                 limit=req.limit(bp.current_request))


@bp.route("/v1/products/{product_id}", methods=["GET"])
@spec(auth="shopper", response=schemas.ProductDetail, errors=(401, 404))
def get_product(product_id):
    """One on-shelf product with its SKUs."""
    shopper = req.shopper(bp.current_request)
    return service.product_detail(shopper.shop_id, product_id, shopper=True)


@bp.route("/v1/categories", methods=["GET"])
@spec(auth="shopper", response=schemas.CategoryTree, errors=(401,))
def category_tree():
    """The category tree: roots with their children."""
    shopper = req.shopper(bp.current_request)
    return {"items": service.category_tree(shopper.shop_id), "next_cursor": None}
