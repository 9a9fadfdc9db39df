"""Referral commission core: the programme, bindings and the commission ledger moved by order events.

- earn (order received): the buyer's binding in force when the order was placed names level 1, that
  promoter's own binding level 2; one transaction puts the order's marker (only if absent: once per
  order), each commission (frozen) and raises each approved promoter's frozen balance.
- unfreeze (order completed: the after-sales window closed): frozen → available, per commission,
  conditional on its version.
- adjust (the order's refunded amount grew): the commission is recomputed on what stays paid; the
  difference leaves the balance it sits in (frozen, or available — which may go below zero when it
  was already withdrawn: a debt later commissions pay off); nothing left → reversed.
Each commission carries a version, so concurrent or replayed events apply each change once.
"""
from typing import Any, Dict, List, Mapping, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.referral import Commission, Promoter, ReferralBinding, ReferralProgram, ReferredOrder
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import commission as rules
from crowdcart.ids import derived_id
from crowdcart.observability import business_event, logger

KIND = "referral"  # the analytics kind
ATTEMPTS = 8


def program_id(shop_id: str) -> str:
    """The id the shop's referral programme is counted under in campaign analytics."""
    return derived_id("referral_program", shop_id)


def get_program(shop_id: str, consistent: bool = False) -> Optional[ReferralProgram]:
    """The shop's programme, or None before the merchant set it up."""
    try:
        return ReferralProgram.get(*ReferralProgram.key(shop_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def get_promoter(shop_id: str, user_id: str, consistent: bool = True) -> Optional[Promoter]:
    """The promoter record, or None."""
    try:
        return Promoter.get(*Promoter.key(shop_id, user_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def get_binding(shop_id: str, user_id: str) -> Optional[ReferralBinding]:
    """The shopper's binding (read consistently), or None."""
    try:
        return ReferralBinding.get(*ReferralBinding.key(shop_id, user_id), consistent_read=True)
    except DoesNotExist:
        return None


def promoter_of(shop_id: str, user_id: str, moment: int) -> Optional[str]:
    """Who the shopper was bound to at `moment`, or None."""
    binding = get_binding(shop_id, user_id)
    if binding is None:
        return None
    expires = None if binding.expires_at is None else int(binding.expires_at)
    return binding.promoter_id if rules.in_force(int(binding.bound_at), expires, moment) else None


def get_marker(shop_id: str, order_id: str) -> Optional[ReferredOrder]:
    """The order's referral record, or None."""
    try:
        return ReferredOrder.get(*ReferredOrder.key(shop_id, order_id), consistent_read=True)
    except DoesNotExist:
        return None


def earn(order: Mapping[str, Any], at: Optional[int] = None) -> List[rules.Payee]:
    """Commissions for a received order (once); returns who earned now (empty when nobody or already)."""
    shop_id, order_id, buyer = order["shop_id"], order["order_id"], order["user_id"]
    program = get_program(shop_id)
    if program is None or not program.enabled:
        return []
    placed = int(order.get("created_at") or 0)
    level1 = promoter_of(shop_id, buyer, placed)
    if level1 is None or get_marker(shop_id, order_id) is not None:
        return []
    level2 = promoter_of(shop_id, level1, placed) if int(program.level2_rate_bp or 0) > 0 else None
    payable, refunded = int(order.get("payable_fen") or 0), int(order.get("refunded_fen") or 0)
    net = rules.net_paid(payable, refunded)
    payees = [p for p in rules.payees(buyer, level1, level2, int(program.level1_rate_bp),
                                      int(program.level2_rate_bp or 0))
              if rules.commission_fen(net, p.rate_bp) > 0]
    moment = at or now()
    for _ in range(ATTEMPTS):
        try:
            run_transaction(lambda: _earn_transaction(shop_id, order_id, buyer, payable, refunded, payees, moment))
        except ConditionFailed as exc:
            if exc.label == "marker":
                return []
            if exc.label.startswith("promoter:"):  # not (or no longer) approved: no commission for them
                level = int(exc.label.split(":")[1])
                payees = [p for p in payees if p.level != level]
                continue
            raise
        for payee in payees:
            business_event("CommissionEarned", shop_id=shop_id, order_id=order_id, level=payee.level)
        return payees
    logger.warning("commission earn gave up", extra={"shop_id": shop_id, "order_id": order_id})
    return []


def _earn_transaction(shop_id: str, order_id: str, buyer: str, payable: int, refunded: int,
                      payees: List[rules.Payee], moment: int) -> Transaction:
    net = rules.net_paid(payable, refunded)
    tx = Transaction()
    tx.put("marker", ReferredOrder(*ReferredOrder.key(shop_id, order_id), order_id=order_id, buyer_id=buyer,
                                   payees=[{"level": p.level, "promoter_id": p.promoter_id, "rate_bp": p.rate_bp,
                                            "amount_fen": rules.commission_fen(net, p.rate_bp)} for p in payees],
                                   payable_fen=payable, refunded_fen=refunded, at=moment),
           ReferredOrder.PK.does_not_exist())
    for payee in payees:
        amount = rules.commission_fen(net, payee.rate_bp)
        pk, sk = Commission.key(shop_id, payee.promoter_id, order_id, payee.level)
        tx.put(f"commission:{payee.level}",
               Commission(pk, sk, order_id=order_id, buyer_id=buyer, level=payee.level, rate_bp=payee.rate_bp,
                          payable_fen=payable, refunded_fen=refunded, amount_fen=amount, status=rules.FROZEN,
                          version=1, earned_at=moment, GSI1PK=Commission.list_partition(shop_id, payee.promoter_id),
                          GSI1SK=f"{moment:010d}#{order_id}#{payee.level}"),
               Commission.PK.does_not_exist())
        tx.update(f"promoter:{payee.level}", Promoter(*Promoter.key(shop_id, payee.promoter_id)),
                  [Promoter.frozen_fen.add(amount), Promoter.earned_fen.add(amount), Promoter.orders.add(1)],
                  condition=Promoter.status == rules.APPROVED)
    return tx


def _commission(shop_id: str, promoter_id: str, order_id: str, level: int) -> Optional[Commission]:
    try:
        return Commission.get(*Commission.key(shop_id, promoter_id, order_id, level), consistent_read=True)
    except DoesNotExist:
        return None


def _change(shop_id: str, payee: Mapping[str, Any], order_id: str, plan: Any) -> bool:
    """Apply `plan(commission) -> (commission actions, promoter actions) | None` under the commission's
    version, re-reading after a concurrent change; True when something changed."""
    for _ in range(ATTEMPTS):
        current = _commission(shop_id, payee["promoter_id"], order_id, int(payee["level"]))
        if current is None:
            return False
        decided = plan(current)
        if decided is None:
            return False
        own, balances = decided

        def build() -> Transaction:
            tx = Transaction()
            tx.update("commission", Commission(current.PK, current.SK),
                      own + [Commission.version.set(int(current.version) + 1)],
                      condition=Commission.version == int(current.version))
            tx.update("promoter", Promoter(*Promoter.key(shop_id, payee["promoter_id"])), balances)
            return tx

        try:
            run_transaction(build)
            return True
        except ConditionFailed as exc:
            if exc.label != "commission":
                raise
    raise RuntimeError(f"commission of order {order_id} kept changing")


def unfreeze(order: Mapping[str, Any], at: Optional[int] = None) -> int:
    """Make a completed order's frozen commissions available; returns how many moved now."""
    shop_id, order_id = order["shop_id"], order["order_id"]
    marker = get_marker(shop_id, order_id)
    if marker is None:
        return 0
    moment = at or now()

    def plan(current: Commission) -> Optional[tuple]:
        if current.status != rules.FROZEN:
            return None
        amount = int(current.amount_fen)
        return ([Commission.status.set(rules.AVAILABLE), Commission.unfrozen_at.set(moment)],
                [Promoter.frozen_fen.add(-amount), Promoter.available_fen.add(amount)])

    moved = sum(_change(shop_id, payee, order_id, plan) for payee in marker.payees)
    if moved:
        business_event("CommissionUnfrozen", count=moved, shop_id=shop_id, order_id=order_id)
    return moved


def adjust(order: Mapping[str, Any], at: Optional[int] = None) -> int:
    """Lower (or reverse) an order's commissions after its refunded amount grew; returns how many changed."""
    shop_id, order_id = order["shop_id"], order["order_id"]
    marker = get_marker(shop_id, order_id)
    if marker is None:
        return 0
    refunded = int(order.get("refunded_fen") or 0)
    moment = at or now()

    def plan(current: Commission) -> Optional[tuple]:
        if current.status == rules.REVERSED or int(current.refunded_fen or 0) >= refunded:
            return None
        left = rules.amount_after_refund(int(current.payable_fen), refunded, int(current.rate_bp))
        less = int(current.amount_fen) - left
        balance = Promoter.frozen_fen if current.status == rules.FROZEN else Promoter.available_fen
        own = [Commission.amount_fen.set(left), Commission.refunded_fen.set(refunded)]
        if left == 0:
            own += [Commission.status.set(rules.REVERSED), Commission.reversed_at.set(moment)]
        return own, [balance.add(-less), Promoter.reversed_fen.add(less)]

    changed = sum(_change(shop_id, payee, order_id, plan) for payee in marker.payees)
    if changed:
        business_event("CommissionReversed", count=changed, shop_id=shop_id, order_id=order_id)
    return changed


def balances(promoter: Optional[Promoter]) -> Dict[str, int]:
    """A promoter's balances (zeros for None)."""
    names = ("frozen_fen", "available_fen", "withdrawing_fen", "withdrawn_fen", "earned_fen", "reversed_fen",
             "invitees", "orders")
    return {name: int(getattr(promoter, name, 0) or 0) if promoter else 0 for name in names}
