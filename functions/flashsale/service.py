"""Flash sales: creation (stock carved out of the SKU into N shard counters), listings, early end,
and settlement (what is left goes back to the SKU after the end).

Buying goes through checkout with activity {type: "flash_sale", id}: see
crowdcart.purchase.flash_sale for the hot path.
"""
from typing import Any, Dict, Iterable, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db import due
from crowdcart.db.connection import Entity
from crowdcart.db.models.campaigns import FLASH_SETTLE_DUE, SETTLE_GRACE_SECONDS, FlashSale, FlashShard
from crowdcart.db.models.catalog import Sku
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import sharding
from crowdcart.errors import BadRequest, Conflict, CrowdcartError, ServiceUnavailable, not_found, validation_error
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event, logger
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.purchase import flash_sale as part

STATUSES = ("upcoming", "live", "ended")
SETTLE_ATTEMPTS = 10


def _load(shop_id: str, sale_id: str, consistent: bool = False) -> FlashSale:
    if not is_id(sale_id):
        raise not_found("flash_sale", sale_id)
    try:
        return FlashSale.get(*FlashSale.key(shop_id, sale_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("flash_sale", sale_id) from exc


def status_of(sale: FlashSale, moment: int) -> str:
    """upcoming, live or ended at `moment`."""
    if moment >= sale.ends_at:
        return "ended"
    return "live" if moment >= sale.starts_at else "upcoming"


def _stock_left(shop_id: str, sales: Iterable[FlashSale], consistent: bool = False) -> Dict[str, List[int]]:
    """Each sale's shard levels, in one batch read ({sale id: [stock of shard 0, 1, …]})."""
    sales = list(sales)
    wanted = [FlashShard.key(shop_id, s.sale_id, i) for s in sales for i in range(int(s.shards))]
    levels: Dict[str, List[int]] = {s.sale_id: [0] * int(s.shards) for s in sales}
    for shard in Entity.batch_get(wanted, consistent_read=consistent) if wanted else []:
        if isinstance(shard, FlashShard):
            levels[shard.sale_id][int(shard.index)] = int(shard.stock)
    return levels


def view(sale: FlashSale, shard_stock: List[int], moment: int) -> Dict[str, Any]:
    """A sale as shoppers see it (after settlement nothing is left to buy)."""
    left = 0 if sale.settled_at is not None else sum(shard_stock)
    return {"id": sale.sale_id, "sku_id": sale.sku_id, "product_id": sale.product_id, "title": sale.title,
            "spec": sale.spec, "image": sale.image, "list_price_fen": int(sale.list_price_fen),
            "price_fen": int(sale.price_fen), "stock": int(sale.stock), "stock_left": left,
            "sold": int(sale.stock) - (int(sale.returned or 0) if sale.settled_at is not None else left),
            "per_user_limit": int(sale.per_user_limit), "status": status_of(sale, moment),
            "starts_at": int(sale.starts_at), "ends_at": int(sale.ends_at),
            "starts_at_iso": iso(int(sale.starts_at)), "ends_at_iso": iso(int(sale.ends_at))}


def admin_view(sale: FlashSale, shard_stock: List[int], moment: int) -> Dict[str, Any]:
    """A sale as its merchant sees it."""
    return dict(view(sale, shard_stock, moment), shards=int(sale.shards), shard_stock=shard_stock,
                rate_window_seconds=int(sale.rate_window_seconds), rate_per_user=int(sale.rate_per_user),
                rate_per_ip=int(sale.rate_per_ip), created_at=iso(int(sale.created_at)),
                ended_early_at=sale.ended_early_at, settled_at=sale.settled_at, returned_to_sku=sale.returned)


def create_sale(shop_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    """Create a sale: the SKU's stock goes down by `stock` and into the shards, in one transaction."""
    moment = now()
    if fields["ends_at"] <= moment:
        raise validation_error("ends_at", "must be in the future")
    try:
        sku = Sku.get(*Sku.key(shop_id, fields["sku_id"]), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("sku", fields["sku_id"]) from exc
    if not sku.on_shelf:
        raise Conflict("sku_off_shelf", f"SKU {sku.sku_id} is not on sale.", sku_id=sku.sku_id)
    if fields["price_fen"] >= sku.price_fen:
        raise validation_error("price_fen", f"must be below the SKU's price ({int(sku.price_fen)} fen)")
    sale_id, stock, shards = new_id(), fields["stock"], fields["shards"]
    sale = FlashSale(*FlashSale.key(shop_id, sale_id), sale_id=sale_id, shop_id=shop_id, sku_id=sku.sku_id,
                     product_id=sku.product_id, title=sku.product_title, spec=sku.spec, image=sku.image,
                     list_price_fen=int(sku.price_fen), price_fen=fields["price_fen"], stock=stock,
                     per_user_limit=fields["per_user_limit"], starts_at=fields["starts_at"], ends_at=fields["ends_at"],
                     shards=shards, rate_window_seconds=fields["rate_window_seconds"],
                     rate_per_user=fields["rate_per_user"], rate_per_ip=fields["rate_per_ip"], created_at=moment,
                     GSI1PK=FlashSale.list_partition(shop_id), GSI1SK=FlashSale.list_sort(fields["ends_at"], sale_id),
                     DUEPK=FLASH_SETTLE_DUE,
                     DUESK=due.due_sort_key(fields["ends_at"] + SETTLE_GRACE_SECONDS, shop_id, sale_id))
    tx = Transaction()
    tx.update("sku", Sku(*Sku.key(shop_id, sku.sku_id)), [Sku.stock.add(-stock)], condition=Sku.stock >= stock)
    tx.put("sale", sale, FlashSale.PK.does_not_exist())
    for index, units in enumerate(sharding.split(stock, shards)):
        tx.put(f"shard:{index}", FlashShard(*FlashShard.key(shop_id, sale_id, index), sale_id=sale_id, index=index,
                                            stock=units, sold=0, starts_at=fields["starts_at"],
                                            ends_at=fields["ends_at"]), FlashShard.PK.does_not_exist())
    try:
        tx.commit()
    except ConditionFailed as exc:
        if exc.label == "sku":
            raise Conflict("insufficient_stock", f"SKU {sku.sku_id} has fewer than {stock} in stock.",
                           sku_id=sku.sku_id) from exc
        raise
    business_event("FlashSaleCreated", shop_id=shop_id, sale_id=sale_id, stock=stock, shards=shards)
    return {"id": sale_id}


def get_sale(shop_id: str, sale_id: str, for_merchant: bool = False) -> Dict[str, Any]:
    """One sale with its stock left (the merchant also sees every shard)."""
    sale = _load(shop_id, sale_id, consistent=for_merchant)
    levels = _stock_left(shop_id, [sale], consistent=for_merchant)[sale_id]
    return (admin_view if for_merchant else view)(sale, levels, now())


def _status(value: Optional[str]) -> Optional[str]:
    if value and value not in STATUSES:
        raise BadRequest("invalid_status", f"status must be one of {', '.join(STATUSES)}.", field="status")
    return value or None


def _query(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str], moment: int) -> Any:
    """Sales by end time: not ended (soonest end first, optionally only upcoming or live) or ended (latest first)."""
    partition, start = FlashSale.list_partition(shop_id), decode_cursor(shop_id, cursor)
    if status == "ended":
        return FlashSale.gsi1.query(partition, FlashSale.GSI1SK < f"END#{moment + 1:010d}", scan_index_forward=False,
                                    limit=limit, last_evaluated_key=start)
    condition = None
    if status == "upcoming":
        condition = FlashSale.starts_at > moment
    elif status == "live":
        condition = FlashSale.starts_at <= moment
    return FlashSale.gsi1.query(partition, FlashSale.GSI1SK >= f"END#{moment + 1:010d}", limit=limit,
                                last_evaluated_key=start, filter_condition=condition)


def list_sales(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str],
               for_merchant: bool = False) -> Dict[str, Any]:
    """A page of sales with stock left. Shoppers: upcoming and live unless `status` says otherwise."""
    moment, status = now(), _status(status)
    if for_merchant and status is None:
        results = FlashSale.gsi1.query(FlashSale.list_partition(shop_id), scan_index_forward=False, limit=limit,
                                       last_evaluated_key=decode_cursor(shop_id, cursor))
    else:
        results = _query(shop_id, status, limit, cursor, moment)
    sales = list(results)
    levels = _stock_left(shop_id, sales)
    shape = admin_view if for_merchant else view
    return {"items": [shape(s, levels[s.sale_id], moment) for s in sales],
            "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}


def list_sessions(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The page's sales grouped by time window (场次), in the page's order."""
    page = list_sales(shop_id, status, limit, cursor)
    sessions: Dict[tuple, Dict[str, Any]] = {}
    for sale in page["items"]:
        window = (sale["starts_at"], sale["ends_at"])
        if window not in sessions:
            sessions[window] = {"starts_at": sale["starts_at"], "ends_at": sale["ends_at"],
                                "starts_at_iso": sale["starts_at_iso"], "ends_at_iso": sale["ends_at_iso"],
                                "status": sale["status"], "sales": []}
        sessions[window]["sales"].append(sale)
    return {"items": list(sessions.values()), "next_cursor": page["next_cursor"]}


def end_now(shop_id: str, sale_id: str) -> Dict[str, Any]:
    """The merchant ends a sale early: the window closes on the sale and on every shard at once;
    settlement follows after the grace period."""
    sale, moment = _load(shop_id, sale_id, consistent=True), now()
    if moment >= sale.ends_at:
        raise Conflict("flash_sale_ended", "The flash sale is already over.")
    tx = Transaction()
    tx.update("sale", FlashSale(*FlashSale.key(shop_id, sale_id)),
              [FlashSale.ends_at.set(moment), FlashSale.ended_early_at.set(moment),
               FlashSale.GSI1SK.set(FlashSale.list_sort(moment, sale_id)),
               FlashSale.DUESK.set(due.due_sort_key(moment + SETTLE_GRACE_SECONDS, shop_id, sale_id))],
              condition=FlashSale.ends_at > moment)
    for index in range(int(sale.shards)):
        tx.update(f"shard:{index}", FlashShard(*FlashShard.key(shop_id, sale_id, index)),
                  [FlashShard.ends_at.set(moment)])
    try:
        tx.commit()
    except ConditionFailed as exc:
        raise Conflict("flash_sale_ended", "The flash sale is already over.") from exc
    part.forget(shop_id, sale_id)
    business_event("FlashSaleEndedEarly", shop_id=shop_id, sale_id=sale_id)
    return get_sale(shop_id, sale_id, for_merchant=True)


def settle(shop_id: str, sale_id: str, moment: Optional[int] = None) -> Optional[int]:
    """After the end: every shard to 0 and what they held back to the SKU, once (conditional on the
    levels read, retried when a late cancel moved one). Returns the units returned, None if already settled."""
    moment = moment or now()
    for _ in range(SETTLE_ATTEMPTS):
        sale = _load(shop_id, sale_id, consistent=True)
        if sale.settled_at is not None:
            return None
        if moment < sale.ends_at:
            raise Conflict("flash_sale_running", "A flash sale settles only after it ends.")
        levels = dict(enumerate(_stock_left(shop_id, [sale], consistent=True)[sale_id]))
        remaining = sum(levels.values())

        def build(levels: Dict[int, int] = levels, remaining: int = remaining, sale: FlashSale = sale) -> Transaction:
            tx = Transaction()
            tx.update("sale", FlashSale(*FlashSale.key(shop_id, sale_id)),
                      [FlashSale.settled_at.set(moment), FlashSale.returned.set(remaining),
                       FlashSale.DUEPK.remove(), FlashSale.DUESK.remove()],
                      condition=FlashSale.settled_at.does_not_exist())
            for index, stock in levels.items():
                tx.update(f"shard:{index}", FlashShard(*FlashShard.key(shop_id, sale_id, index)),
                          [FlashShard.stock.set(0)], condition=FlashShard.stock == stock)
            tx.update("sku", Sku(*Sku.key(shop_id, sale.sku_id)),
                      [Sku.stock.add(remaining), Sku.sales.add(int(sale.stock) - remaining)])
            return tx

        try:
            run_transaction(build)
        except ConditionFailed as exc:
            if exc.label == "sale":
                return None
            continue  # a shard moved (a late cancel): read again
        part.forget(shop_id, sale_id)
        business_event("FlashSaleSettled", shop_id=shop_id, sale_id=sale_id, returned=remaining)
        return remaining
    raise ServiceUnavailable("busy", "The flash sale kept changing while settling; the next sweep retries.")


def sweep_settlements(moment: Optional[int] = None, limit: int = 50) -> Dict[str, int]:
    """Settle every sale whose end (plus the grace period) has passed; safe to run twice at once."""
    moment = moment or now()
    done = skipped = 0
    for pk, sk in due.due_keys(FLASH_SETTLE_DUE, moment, limit):
        try:
            sale = FlashSale.get(pk, sk, consistent_read=True)
            settle(sale.shop_id, sale.sale_id, moment)
            done += 1
        except (DoesNotExist, CrowdcartError) as exc:
            skipped += 1
            logger.info("flash settlement skipped", extra={"pk": pk, "error": repr(exc)})
    return {"done": done, "skipped": skipped}
