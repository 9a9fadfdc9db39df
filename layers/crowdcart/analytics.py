"""Campaign analytics every viral play reports: participants, new users brought in, shares,
and the orders and GMV that followed (paid orders of participants within the attribution window).

Counters only move by ADD in the same transaction as a put-if-absent marker (a participation,
an attributed order), so retries and redelivered events never count twice.
"""
from typing import Any, Dict, Optional

from crowdcart.clock import now
from crowdcart.db.models.analytics import Attribution, CampaignStats, Participation
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.reactions.stream import on

ATTRIBUTION_DAYS = 7


def _stats_ref(shop_id: str, kind: str, campaign_id: str) -> CampaignStats:
    return CampaignStats(*CampaignStats.key(shop_id, kind, campaign_id), kind=kind, campaign_id=campaign_id)


def _upsert(kind: str, campaign_id: str) -> list:
    """Actions that create the counters item on first use with its type and names."""
    return [CampaignStats.entity.set(CampaignStats), CampaignStats.kind.set(kind),
            CampaignStats.campaign_id.set(campaign_id)]


def participate(shop_id: str, kind: str, campaign_id: str, user_id: str, is_new_user: bool = False,
                tx: Optional[Transaction] = None) -> None:
    """Count a shopper once per campaign. Pass `tx` to join the caller's transaction (the marker's
    condition then fails the whole transaction for a repeat: only do that where a repeat is an error)."""
    moment = now()
    marker = Participation(*Participation.key(shop_id, kind, campaign_id, user_id), kind=kind,
                           campaign_id=campaign_id, user_id=user_id, is_new_user=int(is_new_user), at=moment,
                           GSI1PK=Participation.by_user(shop_id, user_id), GSI1SK=f"{moment:010d}#{kind}#{campaign_id}")

    def add(target: Transaction) -> None:
        target.put("analytics:participation", marker, Participation.PK.does_not_exist())
        target.update("analytics:stats", _stats_ref(shop_id, kind, campaign_id),
                      _upsert(kind, campaign_id) + [CampaignStats.participants.add(1),
                                                    CampaignStats.new_users.add(int(is_new_user))])

    if tx is not None:
        add(tx)
        return

    def build() -> Transaction:
        fresh = Transaction()
        add(fresh)
        return fresh

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label != "analytics:participation":
            raise


def record_share(shop_id: str, kind: str, campaign_id: str) -> None:
    """Count one share of a campaign's card."""
    _stats_ref(shop_id, kind, campaign_id).update(actions=_upsert(kind, campaign_id) + [CampaignStats.shares.add(1)])


def stats(shop_id: str, kind: str, campaign_id: str) -> Dict[str, Any]:
    """The campaign's counters (zeros before anything happened)."""
    found = list(CampaignStats.batch_get([CampaignStats.key(shop_id, kind, campaign_id)], consistent_read=True))
    item = found[0] if found else None
    return {"kind": kind, "campaign_id": campaign_id,
            **{name: int(getattr(item, name, 0) or 0) for name in
               ("participants", "new_users", "shares", "orders", "gmv_fen")}}


def attribute_order(shop_id: str, user_id: str, order_id: str, paid_fen: int, paid_at: int) -> int:
    """Count a paid order for every campaign the shopper joined in the window before; returns how many."""
    since = f"{paid_at - ATTRIBUTION_DAYS * 86400:010d}"
    counted = 0
    for joined in Participation.gsi1.query(Participation.by_user(shop_id, user_id),
                                           Participation.GSI1SK.between(since, f"{paid_at:010d}~")):
        def build(j: Participation = joined) -> Transaction:
            tx = Transaction()
            tx.put("analytics:attribution", Attribution(*Attribution.key(shop_id, j.kind, j.campaign_id, order_id),
                                                        order_id=order_id), Attribution.PK.does_not_exist())
            tx.update("analytics:stats", _stats_ref(shop_id, j.kind, j.campaign_id),
                      _upsert(j.kind, j.campaign_id) + [CampaignStats.orders.add(1),
                                                        CampaignStats.gmv_fen.add(paid_fen)])
            return tx

        try:
            run_transaction(build)
            counted += 1
        except ConditionFailed as exc:
            if exc.label != "analytics:attribution":
                raise
    return counted


@on("order")
def order_paid(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """Attribute an order to campaigns when it becomes paid."""
    if not new or new.get("status") != "paid" or (old or {}).get("status") == "paid":
        return
    attribute_order(new["shop_id"], new["user_id"], new["order_id"], int(new["payable_fen"]),
                    int(new.get("paid_at") or at))
