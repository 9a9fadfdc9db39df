"""Order placement: one consistent read batch, pure pricing, one TransactWriteItems.

Used by the checkout capability (POST /v1/orders) and by capabilities that create orders of
their own (group buys).

Coupons, points and campaigns join through the parts in crowdcart.purchase (their reads ride
in the same batch, their conditional writes in the same transaction).

The order id derives from (shop, user, Idempotency-Key), so a retried request finds the order
it already made. The transaction decrements each SKU's stock on condition, puts the order
(only if absent — the idempotency marker), its first event and, for pickup, its code; its
ClientRequestToken derives from the order id and the request, so a re-invoked Lambda cannot
apply it twice.
"""
import hashlib
import json
import hmac
from typing import Any, Dict, List, Optional, Tuple

from crowdcart.clock import now
from crowdcart.db import due
from crowdcart.db.connection import Entity
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.orders import Order, PickupCode
from crowdcart.db.models.shops import Shop, Shopper
from crowdcart.db.models.stores import Store
from crowdcart.db.orders import event, get_order, view
from crowdcart.db.writes import ConditionFailed, TokenAlreadyUsed, Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.domain import pricing
from crowdcart.domain.shop_settings import effective
from crowdcart.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, Unprocessable, not_found
from crowdcart.ids import derived_id
from crowdcart.observability import business_event
from crowdcart.purchase.context import CheckoutContext
from crowdcart.purchase.parts import all_parts
from crowdcart.settings import get_settings

MAX_KEY_LENGTH = 255


def request_hash(body: Dict[str, Any]) -> str:
    """A stable hash of the checkout body (a reused key with another body is refused)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def order_id_for(shop_id: str, user_id: str, idempotency_key: str) -> str:
    """The order id a given Idempotency-Key always maps to."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise BadRequest("idempotency_key_required",
                         f"Send an Idempotency-Key header (1–{MAX_KEY_LENGTH} characters).")
    return derived_id("order", shop_id, user_id, idempotency_key)


def _merge_items(items: List[Dict[str, Any]]) -> Dict[str, int]:
    merged: Dict[str, int] = {}
    for item in items:
        merged[item["sku_id"]] = merged.get(item["sku_id"], 0) + item["quantity"]
    too_many = [sku for sku, qty in merged.items() if qty > 99]
    if too_many:
        raise Unprocessable("quantity_too_large", f"At most 99 of SKU {too_many[0]} per order.", sku_id=too_many[0])
    return merged


def _replay(existing: Order, rhash: str) -> Dict[str, Any]:
    if existing.request_hash != rhash:
        raise Unprocessable("idempotency_key_reused",
                            "This Idempotency-Key was used for a different order; use a new key.")
    return view(existing)


def _read(ctx: CheckoutContext, store_id: Optional[str]) -> None:
    """The one consistent read batch: order (replay), shop, shopper, SKUs, store and the parts' items."""
    shop_id = ctx.shop_id
    wanted = [Order.key(shop_id, ctx.order_id), Shop.key(shop_id), Shopper.key(shop_id, ctx.user_id)]
    wanted += [Sku.key(shop_id, sku) for sku in ctx.quantities]
    if store_id:
        wanted.append(Store.key(shop_id, store_id))
    for part in all_parts():
        wanted += part.keys(ctx)
    ctx.found = {(item.PK, item.SK): item for item in Entity.batch_get(list(dict.fromkeys(wanted)),
                                                                         consistent_read=True)}


def _lines(ctx: CheckoutContext) -> List[Sku]:
    skus = []
    for sku_id, quantity in ctx.quantities.items():
        sku = ctx.get(Sku.key(ctx.shop_id, sku_id))
        if sku is None:
            raise NotFound("sku_not_found", f"No SKU {sku_id} in this shop.", sku_id=sku_id)
        if not sku.on_shelf:
            raise Conflict("sku_off_shelf", f"SKU {sku_id} is not on sale.", sku_id=sku_id)
        if sku.stock < quantity and sku_id not in ctx.stock_by_part:
            raise Conflict("insufficient_stock", f"Only {sku.stock} of SKU {sku_id} left.", sku_id=sku_id,
                           available=sku.stock)
        skus.append(sku)
    return skus


def _delivery(ctx: CheckoutContext, delivery: Dict[str, Any]) -> Dict[str, Any]:
    if delivery["type"] == "express":
        return {"type": "express", "address": delivery["address"]}
    store = ctx.get(Store.key(ctx.shop_id, delivery["store_id"]))
    if store is None or not store.active:
        raise not_found("store", delivery["store_id"])
    if not store.pickup_enabled:
        raise Conflict("pickup_unavailable", "This store does not offer pickup.", store_id=store.store_id)
    return {"type": "pickup", "store_id": store.store_id, "store_name": store.name, "address": store.address}


def _price(ctx: CheckoutContext, delivery: Dict[str, Any]) -> pricing.Quote:
    try:
        return pricing.price(
            [pricing.Line(s.sku_id, s.product_id, s.category_id, s.price_fen, ctx.quantities[s.sku_id],
                          ctx.activity_prices.get(s.sku_id)) for s in ctx.skus],
            member_percent=ctx.profile.member_discount_percent, coupon=ctx.coupon,
            points_to_use=ctx.points_to_use, points_rule=ctx.points_rule,
            shipping=pricing.Shipping(ctx.settings.shipping_fee_fen, ctx.settings.free_shipping_over_fen,
                                      pickup=delivery["type"] == "pickup"))
    except pricing.PricingError as exc:
        raise Conflict(exc.code, str(exc)) from exc


def place_order(shop_id: str, user_id: str, idempotency_key: str, body: Dict[str, Any],
                source_ip: Optional[str] = None) -> Tuple[Dict[str, Any], bool]:
    """Create the order for this request, or return the one this key already made.

    Returns (order view, replayed). Raises 404/409/422 naming the SKU, store, coupon or field
    (429 when a part's rate limit refuses the caller).
    """
    order_id = order_id_for(shop_id, user_id, idempotency_key)
    rhash = request_hash(body)
    ctx = CheckoutContext(shop_id, user_id, order_id, body, _merge_items(body["items"]), source_ip=source_ip)
    for part in all_parts():  # cheap checks before any read (rate limits, cached windows)
        admit = getattr(part, "admit", None)
        if admit is not None:
            admit(ctx)
    _read(ctx, body["delivery"].get("store_id"))
    existing = ctx.get(Order.key(shop_id, order_id))
    if existing is not None:
        return _replay(existing, rhash), True
    shop, ctx.profile = ctx.get(Shop.key(shop_id)), ctx.get(Shopper.key(shop_id, user_id))
    if shop is None or ctx.profile is None:
        raise not_found("shop" if shop is None else "user")
    ctx.settings = effective(shop.settings)
    ctx.skus = _lines(ctx)
    ctx.created_at = now()
    delivery = _delivery(ctx, body["delivery"])
    _unclaimed(body)
    for part in all_parts():
        part.prepare(ctx)
    quote = ctx.quote = _price(ctx, delivery)
    deadline = ctx.created_at + ctx.settings.pay_timeout_minutes * 60
    lines = [{"sku_id": s.sku_id, "product_id": s.product_id, "title": s.product_title, "spec": s.spec,
              "image": s.image, "kind": s.kind, "unit_price_fen": s.price_fen, "quantity": ctx.quantities[s.sku_id],
              "paid_fen": quote.line_paid_fen[s.sku_id],
              **({"stock_from": ctx.stock_by_part[s.sku_id]} if s.sku_id in ctx.stock_by_part else {})}
             for s in ctx.skus]
    if body.get("note"):
        delivery = dict(delivery, note=body["note"])
    order = Order(*Order.key(shop_id, order_id), order_id=order_id, shop_id=shop_id, user_id=user_id,
                  status=states.PENDING_PAYMENT, lines=lines, pricing=quote.breakdown(),
                  goods_fen=quote.goods_fen, discount_fen=quote.discount_fen, shipping_fen=quote.shipping_fen,
                  payable_fen=quote.payable_fen, delivery=delivery, points_used=quote.points_used,
                  request_hash=rhash, created_at=ctx.created_at, pay_deadline_at=deadline,
                  DUEPK=due.PAY_TIMEOUT, DUESK=due.due_sort_key(deadline, shop_id, order_id),
                  **Order.index_keys(shop_id, user_id, order_id, states.PENDING_PAYMENT, ctx.created_at),
                  **ctx.order_fields)
    try:
        _commit(ctx, order, rhash)
    except (ConditionFailed, TokenAlreadyUsed) as exc:
        label = getattr(exc, "label", "order")
        if label.startswith("stock:"):
            sku_id = label.split(":", 1)[1]
            raise Conflict("insufficient_stock", f"SKU {sku_id} sold out while you were ordering.",
                           sku_id=sku_id) from exc
        for part in all_parts():
            error = part.conflict(label)
            if error is not None:
                raise error from exc
        if label != "order" and not isinstance(exc, TokenAlreadyUsed):
            raise
        try:
            return _replay(get_order(shop_id, order_id, consistent=True), rhash), True
        except NotFound:
            raise ServiceUnavailable("busy", "The same order is being placed right now; retry.") from exc
    business_event("OrderPlaced", shop_id=shop_id, order_id=order_id, payable_fen=quote.payable_fen)
    return view(order), False


def _unclaimed(body: Dict[str, Any]) -> None:
    """Refuse discount inputs that no registered part handles (instead of silently ignoring them)."""
    names = {part.name for part in all_parts()}
    if body.get("coupon_id") and "coupon" not in names:
        raise Conflict("coupons_unavailable", "Coupons are not accepted in this shop yet.")
    if body.get("points_to_use") and "points" not in names:
        raise Conflict("points_unavailable", "Points are not accepted in this shop yet.")
    activity = body.get("activity") or {}
    if activity and activity.get("type") not in names:
        raise Conflict("activity_unavailable", f"{activity.get('type')} checkout is not open yet.")


def pickup_code(order_id: str, attempt: int) -> str:
    """An 8-digit pickup code: derived from the order with a server secret (stable across retries,
    unguessable without the secret)."""
    secret = (get_settings().jwt_secret or "pickup").encode()
    digest = hmac.new(secret, f"{order_id}:{attempt}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**8:08d}"


def _commit(ctx: CheckoutContext, order: Order, rhash: str) -> None:
    """Write the order in one transaction; pickup orders take the next code on a collision."""
    for attempt in range(3):
        if order.delivery["type"] == "pickup":
            order.pickup_code = pickup_code(order.order_id, attempt)
        token = derived_id("checkout", order.order_id, rhash, str(attempt), length=32)

        def build() -> Transaction:
            tx = Transaction(token)
            for sku_id, quantity in ctx.quantities.items():
                if sku_id in ctx.stock_by_part:  # the part takes this stock (see CheckoutContext)
                    continue
                tx.update(f"stock:{sku_id}", Sku(*Sku.key(order.shop_id, sku_id)),
                          [Sku.stock.add(-quantity), Sku.sales.add(quantity)],
                          condition=(Sku.stock >= quantity) & (Sku.on_shelf == True))  # noqa: E712
            tx.put("order", order, Order.PK.does_not_exist())
            tx.put("event", event(order.shop_id, order.order_id, "created", f"user:{order.user_id}", None,
                                  states.PENDING_PAYMENT, {"payable_fen": order.payable_fen}, at=order.created_at,
                                  suffix="created"))
            if order.pickup_code:
                tx.put("pickup_code", PickupCode(*PickupCode.key(order.shop_id, order.pickup_code),
                                                 order_id=order.order_id), PickupCode.PK.does_not_exist())
            for part in all_parts():
                part.write(ctx, tx)
            return tx

        try:
            run_transaction(build)
            return
        except ConditionFailed as exc:
            if exc.label != "pickup_code":
                raise
    raise Conflict("busy", "Could not allocate a pickup code; retry.")
