"""Request and response bodies of the catalog capability.

Every model defers building its validator to first use (`defer_build`): response models are only
read by the OpenAPI generator, and a process that never sees a given request type never pays for it.
"""
from typing import Annotated, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from crowdcart.api.schemas import HttpsUrl, Id, Name, Strict, Text

MAX_SKUS = 50
MAX_IMAGES = 9
MAX_STOCK = 10_000_000
MAX_PRICE_FEN = 100_000_000_00

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Spec = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Price = Annotated[int, Field(ge=1, le=MAX_PRICE_FEN)]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]
Images = Annotated[List[HttpsUrl], Field(max_length=MAX_IMAGES)]
VirtualSales = Annotated[int, Field(ge=0, le=MAX_STOCK)]
LAZY = ConfigDict(defer_build=True)


class CreateCategory(Strict):
    """POST /admin/v1/categories: a root, or a child of a root."""

    model_config = LAZY

    name: Name
    parent_id: Optional[Id] = None
    sort: int = Field(0, ge=0, le=9999)


class SkuIn(Strict):
    """One SKU of a new product."""

    model_config = LAZY

    spec: Spec = Field(description="What tells this SKU apart, e.g. 红色 / XL; unique within the product.")
    price_fen: Price = Field(description="The price in fen.")
    stock: Stock = Field(description="Units available to sell.")
    image: Optional[HttpsUrl] = Field(None, description="This SKU's own picture.")


class CreateProduct(Strict):
    """POST /admin/v1/products: the product, its SKUs and its search entries in one transaction."""

    model_config = LAZY

    title: Title = Field(description="The name shoppers see.")
    category_id: Optional[Id] = Field(None, description="One of the shop's categories.")
    description: Text = Field("", description="The product's details, as plain text.")
    images: Images = Field([], description="Picture URLs, in display order.")
    kind: Literal["physical", "voucher"] = Field("physical", description="voucher: sells gift vouchers.")
    virtual_sales: VirtualSales = Field(0, description="Added to the sales figure shoppers see.")
    on_shelf: bool = Field(True, description="Shoppers can see and buy it.")
    skus: List[SkuIn] = Field(..., min_length=1, max_length=MAX_SKUS, description="The variants to sell.")

    @field_validator("skus")
    @classmethod
    def _distinct_specs(cls, skus: List[SkuIn]) -> List[SkuIn]:
        seen = set()
        for index, sku in enumerate(skus):
            if sku.spec.casefold() in seen:
                raise ValueError(f"SKU {index} repeats the spec {sku.spec!r}")
            seen.add(sku.spec.casefold())
        return skus


class UpdateProduct(Strict):
    """PATCH /admin/v1/products/{id}: only the fields sent change; `category_id: null` clears it."""

    model_config = LAZY

    title: Optional[Title] = None
    description: Optional[Text] = None
    images: Optional[Images] = None
    category_id: Optional[Id] = None
    on_shelf: Optional[bool] = None
    virtual_sales: Optional[VirtualSales] = None

    @field_validator("title", "description", "images", "on_shelf", "virtual_sales", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class StockChange(Strict):
    """PUT /admin/v1/skus/{id}/stock: `{stock}` sets it (optionally only if it is `expected_stock`);
    `{delta}` adds to it and is refused (409) when the result would be negative. Exactly one of the two."""

    model_config = LAZY

    stock: Optional[Stock] = None
    expected_stock: Optional[Stock] = None
    delta: Optional[int] = Field(None, ge=-MAX_STOCK, le=MAX_STOCK)


class UpdateSku(Strict):
    """PATCH /admin/v1/skus/{id}."""

    model_config = LAZY

    price_fen: Optional[Price] = None
    spec: Optional[Spec] = None


class SkuOut(BaseModel):
    """A SKU as shoppers and merchants see it."""

    model_config = LAZY

    id: str
    spec: str
    price_fen: int
    stock: int
    sales: Optional[int] = None
    image: Optional[str] = None


class ProductSummary(BaseModel):
    """A product in a list."""

    model_config = LAZY

    id: str
    title: str
    images: List[str]
    category_id: Optional[str]
    kind: str
    min_price_fen: int
    sales: int
    in_stock: bool
    on_shelf: Optional[bool] = None


class ProductPage(BaseModel):
    """A page of products."""

    model_config = LAZY

    items: List[ProductSummary]
    next_cursor: Optional[str]


class ProductDetail(BaseModel):
    """One product with its SKUs."""

    model_config = LAZY

    id: str
    title: str
    description: str
    images: List[str]
    category_id: Optional[str]
    kind: str
    min_price_fen: int
    sales: int
    skus: List[SkuOut]
    on_shelf: Optional[bool] = None
    virtual_sales: Optional[int] = None


class CreatedProduct(BaseModel):
    """POST /admin/v1/products response."""

    model_config = LAZY

    id: str
    skus: List[SkuOut]


class CategoryNode(BaseModel):
    """A category, with its children when it is a root."""

    model_config = LAZY

    id: str
    name: str
    parent_id: Optional[str] = None
    sort: int
    children: List["CategoryNode"] = []


class CategoryOut(BaseModel):
    """A category as the merchant's flat list shows it."""

    model_config = LAZY

    id: str
    name: str
    parent_id: Optional[str] = None
    sort: int


class CategoryList(BaseModel):
    """GET /admin/v1/categories: every category of the shop, flat."""

    model_config = LAZY

    items: List[CategoryOut]
    next_cursor: Optional[str] = None


class CreatedCategory(BaseModel):
    """201 of POST /admin/v1/categories."""

    model_config = LAZY

    id: str


class CategoryTree(BaseModel):
    """GET /v1/categories."""

    model_config = LAZY

    items: List[CategoryNode]
    next_cursor: Optional[str] = None


class StockOut(BaseModel):
    """A SKU's stock after a change."""

    model_config = LAZY

    id: str
    stock: int
