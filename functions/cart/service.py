"""The cart: lines are upserted with conditions (line limit held by a counter), read with live SKUs."""
from typing import Any, Dict, List

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.cart import CartHeader, CartLine, cart_pk
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.shops import Shop, Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain import pricing
from crowdcart.domain.shop_settings import effective
from crowdcart.errors import Conflict, NotFound, not_found
from crowdcart.ids import is_id


def _settings(shop_id: str) -> Any:
    shop = Shop.get(*Shop.key(shop_id))
    return effective(shop.settings)


def set_quantity(shop_id: str, user_id: str, sku_id: str, quantity: int) -> Dict[str, Any]:
    """Set a line's quantity, adding the line if new (within the shop's line limit)."""
    if not is_id(sku_id):
        raise not_found("sku", sku_id)
    try:
        sku = Sku.get(*Sku.key(shop_id, sku_id))
    except DoesNotExist as exc:
        raise not_found("sku", sku_id) from exc
    if not sku.on_shelf:
        raise Conflict("sku_off_shelf", f"SKU {sku_id} is not on sale.", sku_id=sku_id)
    line = CartLine(*CartLine.key(shop_id, user_id, sku_id))
    try:
        update_if("line", line, [CartLine.quantity.set(quantity)])
        return view(shop_id, user_id)
    except ConditionFailed:
        pass  # a new line: add it and count it
    limit = _settings(shop_id).cart_line_limit

    def build() -> Transaction:
        tx = Transaction()
        tx.put("line", CartLine(*CartLine.key(shop_id, user_id, sku_id), sku_id=sku_id, quantity=quantity,
                                added_at=now()), CartLine.PK.does_not_exist())
        tx.update("header", CartHeader(*CartHeader.key(shop_id, user_id)),
                  [CartHeader.entity.set(CartHeader), CartHeader.line_count.add(1)],
                  condition=CartHeader.line_count.does_not_exist() | (CartHeader.line_count < limit))
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "header":
            raise Conflict("cart_full", f"A cart holds at most {limit} different items.") from exc
        update_if("line", line, [CartLine.quantity.set(quantity)])  # added concurrently: just set it
    return view(shop_id, user_id)


def remove(shop_id: str, user_id: str, sku_id: str) -> Dict[str, Any]:
    """Remove a line (404 when it is not in the cart)."""
    def build() -> Transaction:
        tx = Transaction()
        tx.delete("line", CartLine(*CartLine.key(shop_id, user_id, sku_id)), CartLine.PK.exists())
        tx.update("header", CartHeader(*CartHeader.key(shop_id, user_id)), [CartHeader.line_count.add(-1)],
                  condition=CartHeader.line_count > 0)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        raise NotFound("cart_line_not_found", f"SKU {sku_id} is not in the cart.") from exc
    return view(shop_id, user_id)


def view(shop_id: str, user_id: str) -> Dict[str, Any]:
    """The cart with live price, stock and availability per line, and totals of what can be bought."""
    lines: List[CartLine] = list(CartLine.query(cart_pk(shop_id, user_id), CartLine.SK.startswith("LINE#"),
                                                consistent_read=True))
    wanted = [Sku.key(shop_id, line.sku_id) for line in lines] + [Shopper.key(shop_id, user_id)]
    found = {(i.PK, i.SK): i for i in Entity.batch_get(wanted)}
    profile = found.get(Shopper.key(shop_id, user_id))
    items, buyable = [], []
    for line in sorted(lines, key=lambda l: l.added_at):
        sku = found.get(Sku.key(shop_id, line.sku_id))
        available = bool(sku and sku.on_shelf and sku.stock >= line.quantity)
        items.append({"sku_id": line.sku_id, "quantity": line.quantity, "available": available,
                      "product_id": sku.product_id if sku else None, "title": sku.product_title if sku else None,
                      "spec": sku.spec if sku else None, "price_fen": sku.price_fen if sku else None,
                      "stock": sku.stock if sku else 0, "image": sku.image if sku else None})
        if available:
            buyable.append(pricing.Line(sku.sku_id, sku.product_id, sku.category_id, sku.price_fen, line.quantity))
    totals = {"goods_fen": 0, "discount_fen": 0, "payable_goods_fen": 0}
    if buyable:
        quote = pricing.price(buyable, member_percent=profile.member_discount_percent if profile else 0)
        totals = {"goods_fen": quote.goods_fen, "discount_fen": quote.discount_fen,
                  "payable_goods_fen": quote.goods_fen - quote.discount_fen}
    return {"items": items, "line_count": len(items), **totals}
