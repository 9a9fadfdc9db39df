"""Checkout part for flash sales (秒杀): activity {type: "flash_sale", id: <sale id>}.

The hot path, cheapest check first:
  admit   — in memory: the sale definition (cached per container, it never changes but for an
            early end), the window, one SKU line within the per-user limit, and whether this
            container saw every shard empty in the last second; then the per-user and per-IP
            rate limits (one conditional ADD each). Nothing else touches the database yet.
  keys    — the shopper's buyer counter and READS random shards not known to be empty.
  prepare — per-user limit from the counter read; a take plan over the shards read (a full read
            of every shard, and a rebalance when they drained unevenly, only when those were short).
  write   — each planned shard `stock -= n IF stock >= n AND starts_at <= now < ends_at`, and the
            buyer counter `bought += q IF bought <= limit - q`, inside checkout's one transaction.
The SKU counter is not touched (ctx.stock_by_part): the sale's stock was carved out of the SKU
when it was created, and goes back to it at settlement (functions/flashsale) — see D-numbers in
docs/decisions.md.
"""
import random
import threading
import time
from typing import Any, Dict, List, Optional, Set, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.campaigns import FlashBuyer, FlashSale, FlashShard
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.orders import Order
from crowdcart.db.writes import ConditionFailed, Transaction, TransactionConflict
from crowdcart.domain import sharding
from crowdcart.errors import Conflict, ServiceUnavailable, Unprocessable, not_found
from crowdcart.observability import business_event, logger
from crowdcart.purchase.context import CheckoutContext, Key
from crowdcart import ratelimit

NAME = "flash_sale"
DEFINITION_TTL_SECONDS = 30.0  # how long a container trusts its copy of a sale definition
EMPTY_TTL_SECONDS = 1.0  # how long a container trusts that a shard it saw is empty
READS = 2  # shards read per attempt ("power of two choices")
REBALANCE_EVERY_SECONDS = 1.0  # at most one rebalance per sale per container per second

_rng = random.SystemRandom()
_lock = threading.Lock()
_definitions: Dict[Tuple[str, str], Tuple[FlashSale, float]] = {}
_empty_seen: Dict[Tuple[str, str], Dict[int, float]] = {}
_rebalanced_at: Dict[Tuple[str, str], float] = {}


def definition(shop_id: str, sale_id: str) -> FlashSale:
    """The sale, from this container's cache (read consistently on a miss); 404 when absent."""
    key, clock = (shop_id, sale_id), time.monotonic()
    with _lock:
        cached = _definitions.get(key)
    if cached and clock - cached[1] < DEFINITION_TTL_SECONDS:
        return cached[0]
    try:
        sale = FlashSale.get(*FlashSale.key(shop_id, sale_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("flash_sale", sale_id) from exc
    with _lock:
        _definitions[key] = (sale, clock)
    return sale


def forget(shop_id: str, sale_id: str) -> None:
    """Drop this container's cached knowledge of a sale (after the merchant changed it)."""
    with _lock:
        _definitions.pop((shop_id, sale_id), None)
        _empty_seen.pop((shop_id, sale_id), None)


def _note(shop_id: str, sale_id: str, levels: Dict[int, int]) -> None:
    """Remember which shards were seen empty (and forget those seen stocked)."""
    clock = time.monotonic()
    with _lock:
        seen = _empty_seen.setdefault((shop_id, sale_id), {})
        for index, stock in levels.items():
            if stock < 1:
                seen[index] = clock
            else:
                seen.pop(index, None)


def _believed_empty(shop_id: str, sale_id: str) -> Set[int]:
    clock = time.monotonic()
    with _lock:
        seen = _empty_seen.get((shop_id, sale_id), {})
        return {i for i, at in seen.items() if clock - at < EMPTY_TTL_SECONDS}


def shard_keys(shop_id: str, sale_id: str, indexes: List[int]) -> List[Key]:
    """(PK, SK) of the given shards."""
    return [FlashShard.key(shop_id, sale_id, i) for i in indexes]


def read_levels(shop_id: str, sale: FlashSale, consistent: bool = True) -> Dict[int, int]:
    """Every shard's stock: {index: stock}."""
    found = Entity.batch_get(shard_keys(shop_id, sale.sale_id, list(range(int(sale.shards)))),
                             consistent_read=consistent)
    levels = {int(s.index): int(s.stock) for s in found if isinstance(s, FlashShard)}
    _note(shop_id, sale.sale_id, levels)
    return levels


def rebalance(shop_id: str, sale: FlashSale, levels: Dict[int, int]) -> Dict[int, int]:
    """Even out the shards' stock in one transaction (conditional, so it never creates or loses
    a unit); returns the levels after it, or the levels given if another writer got there first."""
    changes = sharding.rebalance(levels)
    if not changes:
        return levels
    tx = Transaction()
    for index, delta in changes.items():
        condition = FlashShard.stock >= -delta if delta < 0 else FlashShard.stock.exists()
        tx.update(f"shard:{index}", FlashShard(*FlashShard.key(shop_id, sale.sale_id, index)),
                  [FlashShard.stock.add(delta)], condition=condition)
    try:
        tx.commit()
    except (ConditionFailed, TransactionConflict):
        return levels
    business_event("FlashSaleRebalanced", shop_id=shop_id, sale_id=sale.sale_id, moved=sum(
        d for d in changes.values() if d > 0))
    after = {i: n + changes.get(i, 0) for i, n in levels.items()}
    _note(shop_id, sale.sale_id, after)
    return after


def _maybe_rebalance(shop_id: str, sale: FlashSale, levels: Dict[int, int], quantity: int) -> Dict[int, int]:
    if not sharding.uneven(levels, quantity):
        return levels
    key, clock = (shop_id, sale.sale_id), time.monotonic()
    with _lock:
        if clock - _rebalanced_at.get(key, -REBALANCE_EVERY_SECONDS) < REBALANCE_EVERY_SECONDS:
            return levels
        _rebalanced_at[key] = clock
    return rebalance(shop_id, sale, levels)


def _sale_id(ctx: CheckoutContext) -> Optional[str]:
    activity = ctx.body.get("activity") or {}
    return activity.get("id") if activity.get("type") == NAME else None


def _order_exists(ctx: CheckoutContext) -> bool:
    """Whether this Idempotency-Key already made its order (then checkout replays it, whatever the sale says)."""
    try:
        Order.get(*Order.key(ctx.shop_id, ctx.order_id), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def limits(sale: FlashSale) -> Tuple[ratelimit.Limit, ratelimit.Limit]:
    """The sale's per-user and per-IP attempt limits."""
    window = int(sale.rate_window_seconds)
    return (ratelimit.Limit(f"flash-{sale.sale_id}", int(sale.rate_per_user), window),
            ratelimit.Limit(f"flash-{sale.sale_id}", int(sale.rate_per_ip), window))


class FlashSalePart:
    """Flash-sale price, sharded stock and per-user limit inside checkout."""

    name = NAME

    def admit(self, ctx: CheckoutContext) -> None:
        """Cheap checks in memory, then the rate limits; claims the SKU's stock for this part."""
        sale_id = _sale_id(ctx)
        if sale_id is None:
            return
        sale = definition(ctx.shop_id, sale_id)
        if set(ctx.quantities) != {sale.sku_id}:
            raise Unprocessable("activity_items_mismatch", "A flash-sale order holds exactly the sale's SKU.",
                                field="items", sku_id=sale.sku_id)
        quantity = ctx.quantities[sale.sku_id]
        if quantity > sale.per_user_limit:
            raise Unprocessable("quantity_over_limit", f"At most {sale.per_user_limit} per shopper.",
                                field="items", per_user_limit=int(sale.per_user_limit))
        refusal = self._refusal(ctx.shop_id, sale, now())
        if refusal is not None and not _order_exists(ctx):
            raise refusal
        per_user, per_ip = limits(sale)
        ratelimit.hit_all(ctx.shop_id, per_user, ctx.user_id, per_ip, ctx.source_ip)
        ctx.stock_by_part[sale.sku_id] = NAME

    @staticmethod
    def _refusal(shop_id: str, sale: FlashSale, moment: int) -> Optional[Conflict]:
        if moment < sale.starts_at:
            return Conflict("flash_sale_not_started", "The flash sale has not started yet.",
                            starts_at=int(sale.starts_at))
        if moment >= sale.ends_at:
            return Conflict("flash_sale_ended", "The flash sale is over.", ends_at=int(sale.ends_at))
        if len(_believed_empty(shop_id, sale.sale_id)) >= sale.shards:
            return Conflict("flash_sale_sold_out", "The flash sale is sold out.")
        return None

    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """The buyer counter and a few shards (random, not known to be empty)."""
        sale_id = _sale_id(ctx)
        if sale_id is None:
            return []
        sale = definition(ctx.shop_id, sale_id)
        reads = sharding.choose_reads(int(sale.shards), _believed_empty(ctx.shop_id, sale_id), READS, _rng)
        return [FlashBuyer.key(ctx.shop_id, sale_id, ctx.user_id)] + shard_keys(ctx.shop_id, sale_id, reads)

    def prepare(self, ctx: CheckoutContext) -> None:
        """Per-user limit and a take plan over the shards; the sale price for the line."""
        sale_id = _sale_id(ctx)
        if sale_id is None:
            return
        sale = definition(ctx.shop_id, sale_id)
        quantity = ctx.quantities[sale.sku_id]
        buyer = ctx.get(FlashBuyer.key(ctx.shop_id, sale_id, ctx.user_id))
        bought = int(buyer.bought) if buyer is not None else 0
        if bought + quantity > sale.per_user_limit:
            raise Conflict("flash_sale_limit_reached", f"At most {sale.per_user_limit} per shopper in this sale.",
                           per_user_limit=int(sale.per_user_limit), bought=bought)
        levels = {i: int(shard.stock) for i in range(int(sale.shards))
                  if (shard := ctx.get(FlashShard.key(ctx.shop_id, sale_id, i))) is not None}
        _note(ctx.shop_id, sale_id, levels)
        plan = sharding.take(levels, quantity, _rng)
        if plan is None and len(levels) < sale.shards:
            levels = _maybe_rebalance(ctx.shop_id, sale, read_levels(ctx.shop_id, sale), quantity)
            plan = sharding.take(levels, quantity, _rng)
        if plan is None:
            raise Conflict("flash_sale_sold_out", "The flash sale is sold out.")
        ctx.activity_prices[sale.sku_id] = int(sale.price_fen)
        ctx.order_fields["activity"] = {"type": NAME, "id": sale_id, "sku_id": sale.sku_id, "quantity": quantity,
                                        "price_fen": int(sale.price_fen), "ends_at": int(sale.ends_at),
                                        "shards": {str(i): n for i, n in sorted(plan.items())}}

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """The shard decrements (window enforced by the write) and the buyer counter."""
        activity = ctx.order_fields.get("activity") or {}
        if activity.get("type") != NAME:
            return
        sale = definition(ctx.shop_id, activity["id"])
        moment, quantity = ctx.created_at, activity["quantity"]
        for index, units in activity["shards"].items():
            tx.update(f"{NAME}:shard:{ctx.shop_id}:{sale.sale_id}:{index}",
                      FlashShard(*FlashShard.key(ctx.shop_id, sale.sale_id, int(index))),
                      [FlashShard.stock.add(-units), FlashShard.sold.add(units)],
                      condition=(FlashShard.stock >= units) & (FlashShard.starts_at <= moment)
                      & (FlashShard.ends_at > moment))
        tx.update(f"{NAME}:buyer", FlashBuyer(*FlashBuyer.key(ctx.shop_id, sale.sale_id, ctx.user_id)),
                  [FlashBuyer.bought.add(quantity), FlashBuyer.entity.set(FlashBuyer)],
                  condition=FlashBuyer.bought.does_not_exist() | (FlashBuyer.bought <= sale.per_user_limit - quantity))

    def conflict(self, label: str) -> Optional[Exception]:
        """Limit reached; sold out or over; or, for one shard of several, a retryable 503."""
        if label == f"{NAME}:buyer":
            return Conflict("flash_sale_limit_reached", "You already bought your share of this flash sale.")
        if not label.startswith(f"{NAME}:shard:"):
            return None
        shop_id, sale_id, index = label.split(":")[2:5]
        _note(shop_id, sale_id, {int(index): 0})
        with _lock:  # the write may have failed on a window the merchant closed early: read the sale afresh
            _definitions.pop((shop_id, sale_id), None)
        sale = definition(shop_id, sale_id)
        refusal = self._refusal(shop_id, sale, now())
        if refusal is not None:
            return refusal
        if sale.shards == 1:
            return Conflict("flash_sale_sold_out", "The flash sale is sold out.")
        return ServiceUnavailable("flash_sale_busy", "That stock went to another buyer first; retry.",
                                  retry_after_seconds=1)

    def release(self, order: Any, tx: Any) -> None:
        """Cancelled unpaid: units back to their shards while the sale runs (to the SKU after it),
        and the shopper's count down."""
        activity = order.activity or {}
        if activity.get("type") != NAME:
            return
        try:
            sale = FlashSale.get(*FlashSale.key(order.shop_id, activity["id"]), consistent_read=True)
        except DoesNotExist:
            logger.warning("flash sale of a cancelled order is gone", extra={"order_id": order.order_id})
            return
        quantity = int(activity["quantity"])
        if sale.settled_at is None and now() < sale.ends_at:
            for index, units in activity["shards"].items():
                tx.update(f"{NAME}:release:{index}", FlashShard(*FlashShard.key(order.shop_id, sale.sale_id, int(index))),
                          [FlashShard.stock.add(units), FlashShard.sold.add(-units)])
            with _lock:
                _empty_seen.pop((order.shop_id, sale.sale_id), None)
        else:
            tx.update(f"{NAME}:release:sku", Sku(*Sku.key(order.shop_id, sale.sku_id)),
                      [Sku.stock.add(quantity), Sku.sales.add(-quantity)])
        tx.update(f"{NAME}:release:buyer", FlashBuyer(*FlashBuyer.key(order.shop_id, sale.sale_id, order.user_id)),
                  [FlashBuyer.bought.add(-quantity)])
