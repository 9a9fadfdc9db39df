"""Group buying over HTTP: the merchant's activities, opening and joining groups (orders through the core's
place_order with the group_buy checkout part), and what the activity page and the share card show."""
import secrets
from typing import Any, Dict, List, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.groups import FAILED, FORMED, LOTTERY, OPEN, PAID, Group, GroupBuy, GroupMember
from crowdcart.db.writes import put_unique
from crowdcart.domain import groups as rules
from crowdcart.errors import Conflict, Unprocessable, not_found
from crowdcart.ids import new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.payments.refunds import get_refund
from crowdcart.purchase.checkout import place_order
from crowdcart.purchase.group_buy import NAME, join_refusal, load_group, members
from functions.groupbuy import timer

STATUSES = (OPEN, FORMED, FAILED)


# ---------------------------------------------------------------- activities (merchant)

def create_activity(shop_id: str, body: Dict[str, Any]) -> Dict[str, str]:
    """A new group-buy activity on one of the shop's SKUs (a lottery commits to its seed's hash now)."""
    try:
        sku = Sku.get(*Sku.key(shop_id, body["sku_id"]), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("sku", body["sku_id"]) from exc
    if not sku.on_shelf:
        raise Conflict("sku_off_shelf", f"SKU {sku.sku_id} is not on sale.", sku_id=sku.sku_id)
    moment = now()
    try:
        terms = rules.terms(list_price_fen=int(sku.price_fen), group_price_fen=body["group_price_fen"],
                            group_size=body["group_size"], duration_seconds=body["duration_seconds"],
                            kind=body["kind"], now=moment, starts_at=body.get("starts_at"),
                            ends_at=body.get("ends_at"), winners=body.get("winners"),
                            per_user_limit=body.get("per_user_limit") or 1)
    except rules.GroupRuleError as exc:
        raise Unprocessable("validation_error", str(exc), field=exc.field) from exc
    activity_id = new_id()
    seed = secrets.token_hex(32) if terms.kind == LOTTERY else None
    buy = GroupBuy(*GroupBuy.key(shop_id, activity_id), activity_id=activity_id, shop_id=shop_id, sku_id=sku.sku_id,
                   product_id=sku.product_id, title=sku.product_title, spec=sku.spec or "", image=sku.image,
                   list_price_fen=int(sku.price_fen), group_price_fen=terms.group_price_fen,
                   group_size=terms.group_size, duration_seconds=terms.duration_seconds, starts_at=terms.starts_at,
                   ends_at=terms.ends_at, kind=terms.kind, winners=terms.winners,
                   per_user_limit=terms.per_user_limit, seed=seed,
                   seed_hash=rules.commitment(seed) if seed else None, created_at=moment,
                   **GroupBuy.list_keys(shop_id, activity_id))
    put_unique("group_buy", buy)
    business_event("GroupBuyCreated", shop_id=shop_id, activity_id=activity_id, kind=terms.kind)
    return {"id": activity_id}


def _activity(shop_id: str, activity_id: str) -> GroupBuy:
    try:
        return GroupBuy.get(*GroupBuy.key(shop_id, activity_id))
    except DoesNotExist as exc:
        raise not_found("group_buy", activity_id) from exc


def activity_view(buy: GroupBuy, moment: Optional[int] = None) -> Dict[str, Any]:
    """An activity as shoppers and merchants see it (a lottery's seed only once the activity ended)."""
    moment = moment or now()
    body: Dict[str, Any] = {
        "id": buy.activity_id, "sku_id": buy.sku_id, "product_id": buy.product_id, "title": buy.title,
        "spec": buy.spec, "image": buy.image, "list_price_fen": int(buy.list_price_fen),
        "group_price_fen": int(buy.group_price_fen), "group_size": int(buy.group_size),
        "duration_seconds": int(buy.duration_seconds), "starts_at": int(buy.starts_at),
        "ends_at": int(buy.ends_at) if buy.ends_at is not None else None, "kind": buy.kind,
        "per_user_limit": int(buy.per_user_limit), "active": rules.window_open(int(buy.starts_at), buy.ends_at, moment),
        "created_at": iso(int(buy.created_at)),
    }
    if buy.kind == LOTTERY:
        ended = buy.ends_at is not None and moment >= int(buy.ends_at)
        body["winners"] = int(buy.winners)
        body["lottery"] = {"algorithm": rules.ALGORITHM, "seed_hash": buy.seed_hash,
                           "seed": buy.seed if ended else None}
    return body


def get_activity(shop_id: str, activity_id: str) -> Dict[str, Any]:
    """The activity page: the activity and the first page of groups a shopper could join."""
    body = activity_view(_activity(shop_id, activity_id))
    body["open_groups"] = joinable_groups(shop_id, activity_id, 20, None)["items"]
    return body


def list_activities(shop_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's activities, newest first."""
    page = GroupBuy.gsi1.query(GroupBuy.list_keys(shop_id, "")["GSI1PK"], scan_index_forward=False, limit=limit,
                               last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [activity_view(buy) for buy in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def _summary(group: Group, moment: int) -> Dict[str, Any]:
    return {"id": group.group_id, "status": group.status, "size": int(group.size), "paid_count": int(group.paid_count),
            "seats_left": rules.seats_left(int(group.size), int(group.seats_taken)),
            "expires_at": int(group.expires_at), "seconds_left": max(0, int(group.expires_at) - moment),
            "leader": {"nickname": group.leader_nickname, "avatar_url": group.leader_avatar_url},
            "opened_at": iso(int(group.opened_at))}


def joinable_groups(shop_id: str, activity_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Open groups of the activity with a free seat and time left, closest to their deadline first."""
    moment = now()
    page = Group.gsi1.query(Group.open_partition(shop_id, activity_id), Group.GSI1SK > Group.open_sort(moment, ""),
                            filter_condition=Group.seats_taken < Group.size, limit=limit,
                            last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [_summary(group, moment) for group in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def activity_groups(shop_id: str, activity_id: str, status: Optional[str], limit: int,
                    cursor: Optional[str]) -> Dict[str, Any]:
    """Every group of an activity (optionally in one status), newest first, for the merchant."""
    if status and status not in STATUSES:
        raise Unprocessable("validation_error", f"status: must be one of {', '.join(STATUSES)}", field="status")
    _activity(shop_id, activity_id)
    moment = now()
    page = Group.gsi2.query(Group.activity_partition(shop_id, activity_id), scan_index_forward=False, limit=limit,
                            filter_condition=(Group.status == status) if status else None,
                            last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [_summary(group, moment) for group in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


# ---------------------------------------------------------------- seats (shopper)

def _body(sku_id: str, seat: Dict[str, Any], activity: Dict[str, Any]) -> Dict[str, Any]:
    return {"items": [{"sku_id": sku_id, "quantity": 1}], "delivery": seat["delivery"], "note": seat.get("note", ""),
            "activity": activity}


def open_group(shop_id: str, user_id: str, key: str, activity_id: str, seat: Dict[str, Any],
               source_ip: Optional[str] = None) -> Tuple[Dict[str, Any], bool]:
    """Open a group as its leader: the order at the group price, the group, its timer. Idempotent by key."""
    buy = _activity(shop_id, activity_id)
    order, replayed = place_order(shop_id, user_id, key, _body(buy.sku_id, seat, {"type": NAME, "id": activity_id}),
                                  source_ip=source_ip)
    group = load_group(shop_id, order["activity"]["group_id"])
    if group is None:  # the order exists, so its group does: a stale read
        raise not_found("group", order["activity"]["group_id"])
    timer.start_timer(group)  # again on a replay: the execution name makes that harmless
    if not replayed:
        business_event("GroupOpened", shop_id=shop_id, group_id=group.group_id, activity_id=activity_id)
    return {"group_id": group.group_id, "order_id": order["id"], "expires_at": int(group.expires_at)}, replayed


def join_group(shop_id: str, user_id: str, key: str, group_id: str, seat: Dict[str, Any],
               source_ip: Optional[str] = None) -> Tuple[Dict[str, Any], bool]:
    """Take a seat in a group: the order at the group price. 409 when full, closed, expired or not allowed."""
    group = load_group(shop_id, group_id)
    if group is None:
        raise not_found("group", group_id)
    body = _body(group.sku_id, seat, {"type": NAME, "id": group.activity_id, "group_id": group_id})
    try:
        order, replayed = place_order(shop_id, user_id, key, body, source_ip=source_ip)
    except Conflict as exc:
        if exc.code != "group_unavailable":
            raise
        current = load_group(shop_id, group_id)
        raise (join_refusal(current, now()) if current else None) or exc from exc
    if not replayed:
        business_event("GroupJoined", shop_id=shop_id, group_id=group_id)
    return {"order_id": order["id"], "group_id": group_id}, replayed


# ---------------------------------------------------------------- views

def _member_view(member: GroupMember) -> Dict[str, Any]:
    return {"user_id": member.user_id, "nickname": member.nickname or "", "avatar_url": member.avatar_url or "",
            "role": member.role, "paid": member.status == PAID, "joined_at": int(member.joined_at)}


def _group(shop_id: str, group_id: str) -> Group:
    group = load_group(shop_id, group_id)
    if group is None:
        raise not_found("group", group_id)
    return group


def group_view(shop_id: str, group_id: str, viewer: Optional[str] = None) -> Dict[str, Any]:
    """The share card: status, seats, members (avatars), time left, the draw once made, and the viewer's seat."""
    group = _group(shop_id, group_id)
    seated = sorted(members(shop_id, group_id), key=lambda m: (m.role != "leader", int(m.joined_at), m.user_id))
    moment = now()
    body = {"id": group.group_id, "activity_id": group.activity_id, "kind": group.kind, "status": group.status,
            "size": int(group.size), "paid_count": int(group.paid_count),
            "seats_left": rules.seats_left(int(group.size), int(group.seats_taken)),
            "members": [_member_view(m) for m in seated], "expires_at": int(group.expires_at),
            "seconds_left": max(0, int(group.expires_at) - moment) if group.status == OPEN else 0,
            "group_price_fen": int(group.group_price_fen), "title": group.title, "image": group.image,
            "draw": group.draw, "me": None}
    if group.kind == LOTTERY:
        body["draw_at"] = int(group.draw_at)
    mine = next((m for m in seated if m.user_id == viewer), None)
    if mine is not None:
        body["me"] = {"order_id": mine.order_id, "role": mine.role, "paid": mine.status == PAID,
                      "won": (mine.user_id in group.draw["winners"]) if group.draw else None}
    return body


def merchant_group_view(shop_id: str, group_id: str) -> Dict[str, Any]:
    """A group for the merchant: every member's order and what the settlement did about their money."""
    body = group_view(shop_id, group_id)
    group = _group(shop_id, group_id)
    seated = {m.user_id: m for m in members(shop_id, group_id)}
    for view in body["members"]:
        member = seated.get(view["user_id"])
        if member is None:
            continue
        refund = get_refund(shop_id, member.order_id, member.refund_no) if member.refund_no else None
        view.update(order_id=member.order_id, refund_cause=member.refund_cause, refund_no=member.refund_no,
                    refund_status=refund.status if refund else member.refund_status, refund_error=member.refund_error)
    body.update(leader_id=group.leader_id, opened_at=iso(int(group.opened_at)),
                formed_at=iso(int(group.formed_at)) if group.formed_at else None,
                failed_at=iso(int(group.failed_at)) if group.failed_at else None,
                settled_at=iso(int(group.settled_at)) if group.settled_at else None)
    return body


def my_groups(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shopper's seats, newest group first."""
    partition = GroupMember.user_partition(shop_id, user_id)
    page = GroupMember.gsi2.query(partition, scan_index_forward=False, limit=limit,
                                  last_evaluated_key=decode_cursor(shop_id, cursor))
    seats: List[GroupMember] = list(page)
    groups = {g.group_id: g for g in Group.batch_get([Group.key(shop_id, m.group_id) for m in seats])} if seats else {}
    moment = now()
    items = [dict(_summary(groups[m.group_id], moment), order_id=m.order_id, role=m.role, paid=m.status == PAID)
             for m in seats if m.group_id in groups]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def refund_issues(shop_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Members whose settlement refund failed after its retries, newest first: for the merchant to resolve."""
    partition = GroupMember.issues_partition(shop_id)
    page = GroupMember.gsi1.query(partition, scan_index_forward=False, limit=limit,
                                  last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [{"group_id": m.group_id, "user_id": m.user_id, "order_id": m.order_id, "refund_cause": m.refund_cause,
              "refund_status": m.refund_status, "refund_error": m.refund_error} for m in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}

