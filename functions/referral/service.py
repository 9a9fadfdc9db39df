"""Referral commissions: the merchant's programme, promoters (applied, approved), bindings made by
referral links (the first wins), commissions (crowdcart.plays.referral, moved by order events) and
withdrawals (requested by the promoter, approved — i.e. paid outside Crowdcart — or rejected by the
merchant). Every balance moves in the same transaction as the record that explains it.
"""
from typing import Any, Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart import analytics
from crowdcart.clock import iso, now
from crowdcart.db.models.referral import Commission, Promoter, ReferralBinding, ReferralProgram, Withdrawal
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, put_unique, run_transaction, update_if
from crowdcart.domain import commission as rules
from crowdcart.errors import BadRequest, Conflict, not_found
from crowdcart.ids import derived_id, is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.plays import common, referral

REQUESTED, WD_APPROVED, WD_REJECTED = "requested", "approved", "rejected"
PROMOTER_STATUSES = (rules.PENDING, rules.APPROVED, rules.REJECTED)
WITHDRAWAL_STATUSES = (REQUESTED, WD_APPROVED, WD_REJECTED)
DEFAULTS = {"enabled": False, "approval_required": False, "level1_rate_bp": 0, "level2_rate_bp": 0,
            "binding_days": 0, "new_shoppers_only": True, "min_withdrawal_fen": 100, "share_title": "",
            "share_image_url": None}


def _iso(value: Any) -> Optional[str]:
    return iso(int(value)) if value is not None else None


def program_view(shop_id: str, program: Optional[ReferralProgram]) -> Dict[str, Any]:
    """The programme as merchant and shoppers see it (defaults, disabled, before set-up)."""
    body: Dict[str, Any] = {"program_id": referral.program_id(shop_id), "configured": program is not None}
    for name, default in DEFAULTS.items():
        value = getattr(program, name, default) if program is not None else default
        body[name] = int(value) if isinstance(default, int) and not isinstance(default, bool) else value
    return body


def get_program(shop_id: str) -> Dict[str, Any]:
    """The shop's programme."""
    return program_view(shop_id, referral.get_program(shop_id, consistent=True))


def put_program(shop_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    """Create or replace the programme's settings (new rates apply to orders received from now on)."""
    moment = now()
    ref = ReferralProgram(*ReferralProgram.key(shop_id))
    actions = [ReferralProgram.entity.set(ReferralProgram),
               ReferralProgram.program_id.set(referral.program_id(shop_id)),
               ReferralProgram.created_at.set(ReferralProgram.created_at | moment),
               ReferralProgram.updated_at.set(moment)]
    for name, value in fields.items():
        attribute = getattr(ReferralProgram, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    ref.update(actions=actions)
    business_event("ReferralProgramSet", shop_id=shop_id)
    return get_program(shop_id)


def promoter_view(promoter: Promoter) -> Dict[str, Any]:
    """A promoter with balances."""
    return {"user_id": promoter.user_id, "status": promoter.status, "applied_at": iso(int(promoter.applied_at)),
            "decided_at": _iso(promoter.decided_at), **referral.balances(promoter)}


def _enabled_program(shop_id: str) -> ReferralProgram:
    program = referral.get_program(shop_id)
    if program is None or not program.enabled:
        raise Conflict("referral_disabled", "This shop has no referral programme running.")
    return program


def apply(shop_id: str, user_id: str) -> Dict[str, Any]:
    """A shopper applies to promote the shop: approved at once, or pending when the shop approves."""
    program = _enabled_program(shop_id)
    moment = now()
    status = rules.PENDING if program.approval_required else rules.APPROVED
    promoter = Promoter(*Promoter.key(shop_id, user_id), user_id=user_id, status=status, applied_at=moment,
                        decided_at=None if status == rules.PENDING else moment, invitees=0, orders=0, frozen_fen=0,
                        available_fen=0, withdrawing_fen=0, withdrawn_fen=0, earned_fen=0, reversed_fen=0,
                        GSI1PK=Promoter.status_partition(shop_id, status), GSI1SK=f"{moment:010d}#{user_id}")
    try:
        put_unique("promoter", promoter)
    except ConditionFailed as exc:
        current = referral.get_promoter(shop_id, user_id)
        raise Conflict("already_applied", "You have already applied.", status=current.status) from exc
    business_event("PromoterApplied", shop_id=shop_id, status=status)
    return promoter_view(promoter)


def _binding_view(binding: ReferralBinding) -> Dict[str, Any]:
    return {"promoter_id": binding.promoter_id, "bound_at": iso(int(binding.bound_at)),
            "expires_at": None if binding.expires_at is None else int(binding.expires_at),
            "is_new": bool(binding.is_new)}


def me(shop_id: str, user_id: str) -> Dict[str, Any]:
    """The shopper's side: the programme, their promoter record, and who referred them."""
    promoter = referral.get_promoter(shop_id, user_id)
    binding = referral.get_binding(shop_id, user_id)
    lapsed = binding is not None and binding.expires_at is not None and int(binding.expires_at) <= now()
    return {"program": get_program(shop_id), "promoter": promoter_view(promoter) if promoter else None,
            "bound_to": _binding_view(binding) if binding is not None and not lapsed else None}


def bind(shop_id: str, user_id: str, promoter_id: str) -> Dict[str, Any]:
    """Bind the shopper to the promoter whose link they opened — only if they are not bound yet (or
    their binding lapsed), the promoter is approved, and (by setting) they have no paid order yet."""
    program = _enabled_program(shop_id)
    if promoter_id == user_id:
        raise Conflict("self_referral", "You cannot be your own referrer.")
    promoter = referral.get_promoter(shop_id, promoter_id)
    if promoter is None:
        raise not_found("promoter", promoter_id)
    if promoter.status != rules.APPROVED:
        raise Conflict("promoter_not_approved", "This promoter is not approved.")
    shopper = common.profile(shop_id, user_id)
    if shopper is None:
        raise not_found("user", user_id)
    is_new = int(shopper.paid_orders or 0) == 0
    if program.new_shoppers_only and not is_new:
        raise Conflict("not_a_new_shopper", "Only shoppers without an order can be referred.")
    moment = now()
    expires = rules.binding_expiry(moment, int(program.binding_days or 0))
    binding = ReferralBinding(*ReferralBinding.key(shop_id, user_id), user_id=user_id, promoter_id=promoter_id,
                              bound_at=moment, expires_at=expires, is_new=int(is_new),
                              GSI1PK=ReferralBinding.invitees_partition(shop_id, promoter_id),
                              GSI1SK=f"{moment:010d}#{user_id}")

    def layout(tx: Transaction) -> None:
        tx.put("binding", binding, ReferralBinding.PK.does_not_exist() | (ReferralBinding.expires_at <= moment))
        tx.update("promoter", Promoter(*Promoter.key(shop_id, promoter_id)), [Promoter.invitees.add(1)],
                  condition=Promoter.status == rules.APPROVED)
        if program.new_shoppers_only:
            pk, sk = Shopper.key(shop_id, user_id)
            tx.check("shopper", Shopper, pk, sk, Shopper.paid_orders.does_not_exist() | (Shopper.paid_orders == 0))

    try:
        common.commit_counted(layout, shop_id, referral.KIND, referral.program_id(shop_id), user_id, is_new)
    except ConditionFailed as exc:
        raise {"binding": Conflict("already_bound", "You were already referred by someone."),
               "promoter": Conflict("promoter_not_approved", "This promoter is not approved."),
               "shopper": Conflict("not_a_new_shopper", "Only shoppers without an order can be referred.")
               }.get(exc.label, exc) from exc
    business_event("ReferralBound", shop_id=shop_id, is_new=int(is_new))
    return _binding_view(binding)


def _approved(shop_id: str, user_id: str) -> Promoter:
    promoter = referral.get_promoter(shop_id, user_id)
    if promoter is None or promoter.status != rules.APPROVED:
        raise Conflict("not_a_promoter", "Only approved promoters can do this.")
    return promoter


def share_payload(shop_id: str, user_id: str) -> Dict[str, Any]:
    """The promoter's share card: the shop's title and image, and a path carrying their referral."""
    _approved(shop_id, user_id)
    program = get_program(shop_id)
    return {"title": program["share_title"] or "好物推荐", "image_url": program["share_image_url"],
            "path": f"/pages/index/index?ref={user_id}", "promoter_id": user_id,
            "campaign_kind": referral.KIND, "campaign_id": program["program_id"]}


def record_share(shop_id: str, user_id: str) -> None:
    """Count a promoter's share of their referral card."""
    _approved(shop_id, user_id)
    analytics.record_share(shop_id, referral.KIND, referral.program_id(shop_id))


def commission_view(item: Commission) -> Dict[str, Any]:
    """A commission as its promoter sees it."""
    return {"order_id": item.order_id, "level": int(item.level), "rate_bp": int(item.rate_bp),
            "payable_fen": int(item.payable_fen), "refunded_fen": int(item.refunded_fen or 0),
            "amount_fen": int(item.amount_fen), "status": item.status, "earned_at": iso(int(item.earned_at))}


def commissions(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The promoter's commissions, newest first."""
    page = Commission.gsi1.query(Commission.list_partition(shop_id, user_id), scan_index_forward=False, limit=limit,
                                 last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [commission_view(c) for c in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def invitees(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Shoppers bound to the promoter, newest first."""
    page = ReferralBinding.gsi1.query(ReferralBinding.invitees_partition(shop_id, user_id), scan_index_forward=False,
                                      limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [dict(user_id=b.user_id, **{k: v for k, v in _binding_view(b).items() if k != "promoter_id"})
             for b in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def withdrawal_view(item: Withdrawal) -> Dict[str, Any]:
    """A withdrawal."""
    return {"id": item.withdrawal_id, "user_id": item.user_id, "amount_fen": int(item.amount_fen),
            "status": item.status, "requested_at": iso(int(item.requested_at)), "decided_at": _iso(item.decided_at),
            "note": item.note}


def request_withdrawal(shop_id: str, user_id: str, amount_fen: int, key: Optional[str]) -> Dict[str, Any]:
    """Move `amount_fen` from available to withdrawing and ask the merchant; the same key, one request."""
    program = referral.get_program(shop_id)
    minimum = int(program.min_withdrawal_fen) if program is not None else DEFAULTS["min_withdrawal_fen"]
    if amount_fen < minimum:
        raise Conflict("below_min_withdrawal", f"Withdraw at least {minimum} fen.", min_withdrawal_fen=minimum)
    withdrawal_id = derived_id("withdrawal", shop_id, user_id, key) if key else new_id()
    moment = now()
    withdrawal = Withdrawal(*Withdrawal.key(shop_id, withdrawal_id), withdrawal_id=withdrawal_id, user_id=user_id,
                            amount_fen=amount_fen, status=REQUESTED, requested_at=moment,
                            GSI1PK=Withdrawal.promoter_partition(shop_id, user_id),
                            GSI1SK=f"{moment:010d}#{withdrawal_id}",
                            GSI2PK=Withdrawal.status_partition(shop_id, REQUESTED),
                            GSI2SK=f"{moment:010d}#{withdrawal_id}")

    def build() -> Transaction:
        tx = Transaction()
        tx.put("withdrawal", withdrawal, Withdrawal.PK.does_not_exist())
        tx.update("promoter", Promoter(*Promoter.key(shop_id, user_id)),
                  [Promoter.available_fen.add(-amount_fen), Promoter.withdrawing_fen.add(amount_fen)],
                  condition=(Promoter.status == rules.APPROVED) & (Promoter.available_fen >= amount_fen))
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "withdrawal":
            existing = _load_withdrawal(shop_id, withdrawal_id)
            if existing.user_id != user_id:
                raise not_found("withdrawal", withdrawal_id) from exc
            return withdrawal_view(existing)
        _approved(shop_id, user_id)
        raise Conflict("insufficient_balance", "Not enough available commission.") from exc
    business_event("WithdrawalRequested", shop_id=shop_id)
    return withdrawal_view(withdrawal)


def my_withdrawals(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The promoter's withdrawals, newest first."""
    page = Withdrawal.gsi1.query(Withdrawal.promoter_partition(shop_id, user_id), scan_index_forward=False,
                                 limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [withdrawal_view(w) for w in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def _check_status(value: Optional[str], allowed: tuple, default: str) -> str:
    if value and value not in allowed:
        raise BadRequest("invalid_status", f"status must be one of {', '.join(allowed)}.", field="status")
    return value or default


def list_promoters(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's promoters in one status (default pending: the approval queue), oldest first."""
    wanted = _check_status(status, PROMOTER_STATUSES, rules.PENDING)
    page = Promoter.gsi1.query(Promoter.status_partition(shop_id, wanted), limit=limit,
                               last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [promoter_view(p) for p in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def merchant_promoter(shop_id: str, user_id: str) -> Dict[str, Any]:
    """One promoter with balances."""
    promoter = referral.get_promoter(shop_id, user_id) if is_id(user_id) else None
    if promoter is None:
        raise not_found("promoter", user_id)
    return promoter_view(promoter)


def decide_promoter(shop_id: str, user_id: str, approve: bool) -> Dict[str, Any]:
    """Approve or reject a pending application."""
    merchant_promoter(shop_id, user_id)
    status, moment = (rules.APPROVED if approve else rules.REJECTED), now()
    try:
        update_if("promoter", Promoter(*Promoter.key(shop_id, user_id)),
                  [Promoter.status.set(status), Promoter.decided_at.set(moment),
                   Promoter.GSI1PK.set(Promoter.status_partition(shop_id, status))],
                  Promoter.status == rules.PENDING)
    except ConditionFailed as exc:
        raise Conflict("promoter_not_pending", "This application was already decided.") from exc
    business_event("PromoterDecided", shop_id=shop_id, status=status)
    return merchant_promoter(shop_id, user_id)


def _load_withdrawal(shop_id: str, withdrawal_id: str) -> Withdrawal:
    if not is_id(withdrawal_id):
        raise not_found("withdrawal", withdrawal_id)
    try:
        return Withdrawal.get(*Withdrawal.key(shop_id, withdrawal_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("withdrawal", withdrawal_id) from exc


def list_withdrawals(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's withdrawals in one status (default requested: the queue), oldest first."""
    wanted = _check_status(status, WITHDRAWAL_STATUSES, REQUESTED)
    page = Withdrawal.gsi2.query(Withdrawal.status_partition(shop_id, wanted), limit=limit,
                                 last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [withdrawal_view(w) for w in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def decide_withdrawal(shop_id: str, withdrawal_id: str, approve: bool, note: Optional[str]) -> Dict[str, Any]:
    """Approve (the merchant has paid it — the WeChat Pay transfer is outside Crowdcart) or reject (the
    amount goes back to available), once."""
    withdrawal = _load_withdrawal(shop_id, withdrawal_id)
    status, moment, amount = (WD_APPROVED if approve else WD_REJECTED), now(), int(withdrawal.amount_fen)
    balances = [Promoter.withdrawing_fen.add(-amount),
                (Promoter.withdrawn_fen if approve else Promoter.available_fen).add(amount)]
    actions = [Withdrawal.status.set(status), Withdrawal.decided_at.set(moment),
               Withdrawal.GSI2PK.set(Withdrawal.status_partition(shop_id, status))]
    if note:
        actions.append(Withdrawal.note.set(note))

    def build() -> Transaction:
        tx = Transaction()
        tx.update("withdrawal", Withdrawal(withdrawal.PK, withdrawal.SK), actions,
                  condition=Withdrawal.status == REQUESTED)
        tx.update("promoter", Promoter(*Promoter.key(shop_id, withdrawal.user_id)), balances)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        raise Conflict("withdrawal_not_pending", "This withdrawal was already decided.") from exc
    business_event("WithdrawalDecided", shop_id=shop_id, status=status)
    return withdrawal_view(_load_withdrawal(shop_id, withdrawal_id))
