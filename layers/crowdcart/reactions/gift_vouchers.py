"""Gift vouchers (礼券赠送) from the table stream: made when their order is paid, voided when it is refunded.

- An order moves pending_payment → paid: every unit of every line whose product is of kind `voucher`
  becomes a gift voucher held by the buyer (put only if absent, under an id derived from the order,
  SKU and unit — a redelivered record makes nothing twice). Its face value is the SKU's list price on
  the order line; its validity and share window come from the product's settings (or the defaults).
- A refund of the order succeeds (`refunded_fen` grows, or the order becomes `refunded`): for each
  voucher line, as many vouchers become void as units were refunded (a refund without lines refunds
  every unit), unclaimed ones in unit order — a sent one's link then shows the gift as void. A voucher a friend
  already claimed is theirs and is not taken back; the shortfall is logged for the merchant
  (`GiftVoucherRefundShortfall`), who sees every voucher of the order before approving a refund.
"""
import json
from typing import Any, Dict, List, Optional

from crowdcart import analytics
from crowdcart.clock import now
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.gift_vouchers import (ANALYTICS_KIND, DEFAULT_SHARE_SECONDS, DEFAULT_VALID_DAYS, HELD,
                                               UNCLAIMED, VOID, GiftVoucher, GiftVoucherConfig, voucher_id_for)
from crowdcart.db.models.orders import Refund, order_pk
from crowdcart.db.writes import ConditionFailed, put_unique, update_if
from crowdcart.domain import order_states as states
from crowdcart.observability import business_event, logger
from crowdcart.reactions.stream import on

VOUCHER_KIND = "voucher"
REFUND_SUCCEEDED = "succeeded"
DAY = 86400


def voucher_lines(order: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The order's lines that sold gift vouchers (from a model's list, or a stream image's JSON text)."""
    lines = order.get("lines") or []
    if isinstance(lines, str):
        lines = json.loads(lines)
    return [line for line in lines if isinstance(line, dict) and line.get("kind") == VOUCHER_KIND]


def voucher_ids(shop_id: str, order_id: str, line: Dict[str, Any]) -> List[str]:
    """The ids of a voucher line's units, in unit order."""
    return [voucher_id_for(shop_id, order_id, line["sku_id"], unit) for unit in range(int(line["quantity"]))]


def _configs(shop_id: str, product_ids: List[str]) -> Dict[str, GiftVoucherConfig]:
    wanted = [GiftVoucherConfig.key(shop_id, p) for p in dict.fromkeys(product_ids)]
    return {c.product_id: c for c in GiftVoucherConfig.batch_get(wanted, consistent_read=True)} if wanted else {}


def create_vouchers(order: Dict[str, Any], at: Optional[int] = None) -> int:
    """Make the vouchers of a paid order (once per unit); returns how many this call made."""
    lines = voucher_lines(order)
    if not lines:
        return 0
    shop_id, order_id, buyer = order["shop_id"], order["order_id"], order["user_id"]
    moment = now()
    paid_at = int(order.get("paid_at") or at or moment)
    configs = _configs(shop_id, [line["product_id"] for line in lines])
    images = {s.sku_id: s.image for s in Sku.batch_get([Sku.key(shop_id, line["sku_id"]) for line in lines])}
    made = 0
    for line in lines:
        config = configs.get(line["product_id"])
        valid_days = int(config.valid_days) if config else DEFAULT_VALID_DAYS
        for voucher_id in voucher_ids(shop_id, order_id, line):
            voucher = GiftVoucher(
                *GiftVoucher.key(shop_id, voucher_id), voucher_id=voucher_id, shop_id=shop_id, order_id=order_id,
                product_id=line["product_id"], sku_id=line["sku_id"], title=line.get("title") or "",
                spec=line.get("spec") or "", image=line.get("image") or images.get(line["sku_id"]),
                face_value_fen=int(line["unit_price_fen"]),
                redeem_product_ids=list(config.redeem_product_ids or []) if config else [],
                share_seconds=int(config.share_seconds) if config else DEFAULT_SHARE_SECONDS,
                buyer_id=buyer, status=HELD, valid_until=paid_at + valid_days * DAY, created_at=moment,
                GSI1PK=GiftVoucher.buyer_partition(shop_id, buyer), GSI1SK=f"GIFT#{paid_at:010d}#{voucher_id}")
            try:
                put_unique("voucher", voucher)
                made += 1
            except ConditionFailed:
                continue
        analytics.participate(shop_id, ANALYTICS_KIND, line["product_id"], buyer)
    if made:
        business_event("GiftVouchersCreated", count=made, shop_id=shop_id, order_id=order_id)
    return made


def refunded_units(shop_id: str, order_id: str, lines: List[Dict[str, Any]]) -> Dict[str, int]:
    """How many units of each voucher SKU the order's succeeded refunds gave back."""
    units: Dict[str, int] = {}
    ordered = {line["sku_id"]: int(line["quantity"]) for line in lines}
    for refund in Refund.query(order_pk(shop_id, order_id), Refund.SK.startswith("REFUND#"), consistent_read=True):
        if refund.status != REFUND_SUCCEEDED:
            continue
        for line in refund.lines or [{"sku_id": sku, "quantity": qty} for sku, qty in ordered.items()]:
            if line["sku_id"] in ordered:
                units[line["sku_id"]] = units.get(line["sku_id"], 0) + int(line["quantity"])
    return {sku: min(qty, ordered[sku]) for sku, qty in units.items()}


def void_for_refunds(order: Dict[str, Any], at: Optional[int] = None) -> int:
    """Void as many unclaimed vouchers of each line as units were refunded; returns how many this call voided."""
    lines = voucher_lines(order)
    if not lines:
        return 0
    shop_id, order_id = order["shop_id"], order["order_id"]
    moment, voided = at or now(), 0
    whole = order.get("status") == states.REFUNDED
    units = ({line["sku_id"]: int(line["quantity"]) for line in lines} if whole
             else refunded_units(shop_id, order_id, lines))
    for line in lines:
        wanted = units.get(line["sku_id"], 0)
        if not wanted:
            continue
        ids = voucher_ids(shop_id, order_id, line)
        found = {v.voucher_id: v for v in GiftVoucher.batch_get([GiftVoucher.key(shop_id, i) for i in ids],
                                                                 consistent_read=True)}
        done = sum(1 for v in found.values() if v.status == VOID)
        for voucher_id in ids:
            if done >= wanted:
                break
            voucher = found.get(voucher_id)
            if voucher is None or voucher.status not in UNCLAIMED:
                continue
            try:
                update_if("voucher", voucher, [GiftVoucher.status.set(VOID), GiftVoucher.voided_at.set(moment),
                                               GiftVoucher.void_reason.set("refunded")],
                          GiftVoucher.status.is_in(*UNCLAIMED))
            except ConditionFailed:
                continue  # claimed (or voided) meanwhile
            done += 1
            voided += 1
        if done < wanted:
            logger.warning("refunded gift vouchers already claimed",
                           extra={"shop_id": shop_id, "order_id": order_id, "sku_id": line["sku_id"]})
            business_event("GiftVoucherRefundShortfall", count=wanted - done, shop_id=shop_id, order_id=order_id,
                           sku_id=line["sku_id"])
    if voided:
        business_event("GiftVouchersVoided", count=voided, shop_id=shop_id, order_id=order_id)
    return voided


@on("order")
def order_gift_vouchers(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """Make an order's vouchers when it is first paid; void unclaimed ones when refunds succeed."""
    if not new or not voucher_lines(new):
        return
    before = old or {}
    if new.get("status") == states.PAID and before.get("status") == states.PENDING_PAYMENT:
        create_vouchers(new, at)
    refunded_more = int(new.get("refunded_fen") or 0) > int(before.get("refunded_fen") or 0)
    if refunded_more or (new.get("status") == states.REFUNDED and before.get("status") != states.REFUNDED):
        void_for_refunds(new, at)
