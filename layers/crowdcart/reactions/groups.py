"""Group-buy notifications from the table stream, each stored once per cause (crowdcart.reactions.notifications):

- a member's seat is paid → the member (`group_joined`) and, for a joiner, the leader (`group_member_joined`);
- the group forms → every paid member (`group_formed`);
- a lottery is drawn → each winner (`group_lottery_won`);
- a member's money goes back because the group failed (`group_failed_refunded`) or the lottery was not
  won (`group_lottery_refunded`) → that member, when the settlement asked for the refund.
"""
import json
from typing import Any, Dict, Optional

from crowdcart.db.models.groups import FORMED, LEADER, PAID
from crowdcart.reactions.notifications import notify
from crowdcart.reactions.stream import on

Image = Optional[Dict[str, Any]]


@on("group_member")
def member_changed(old: Image, new: Image, at: int) -> None:
    """Seat paid → joined; refund asked for by the settlement → failed-and-refunded."""
    if not new:
        return
    before = old or {}
    shop_id, group_id, user_id = new["shop_id"], new["group_id"], new["user_id"]
    data = {"group_id": group_id, "order_id": new["order_id"]}
    if new.get("status") == PAID and before.get("status") != PAID:
        notify(shop_id, user_id, "group_joined", "You are in the group", f"group:{group_id}:joined:{user_id}",
               dict(data, role=new.get("role")), at=at or None)
        if new.get("role") != LEADER:
            _tell_leader(shop_id, group_id, new, at)
    if new.get("refund_no") and not before.get("refund_no"):
        lost = str(new.get("refund_cause") or "").startswith("lottery_lost")
        template, title = (("group_lottery_refunded", "Not drawn this time: your payment is being refunded") if lost
                           else ("group_failed_refunded", "The group did not form: your payment is being refunded"))
        notify(shop_id, user_id, template, title, f"group:{group_id}:refund:{user_id}",
               dict(data, out_refund_no=new["refund_no"]), at=at or None)


def _tell_leader(shop_id: str, group_id: str, member: Dict[str, Any], at: int) -> None:
    from crowdcart.purchase.group_buy import load_group

    group = load_group(shop_id, group_id)
    if group is None or group.leader_id == member["user_id"]:
        return
    notify(shop_id, group.leader_id, "group_member_joined", "Someone joined your group",
           f"group:{group_id}:member_joined:{member['user_id']}",
           {"group_id": group_id, "nickname": member.get("nickname") or "", "paid_count": int(group.paid_count),
            "size": int(group.size)}, at=at or None)


@on("group")
def group_changed(old: Image, new: Image, at: int) -> None:
    """Formed → every paid member; drawn → every winner."""
    if not new:
        return
    before = old or {}
    shop_id, group_id = new["shop_id"], new["group_id"]
    if new.get("status") == FORMED and before.get("status") != FORMED:
        from crowdcart.purchase.group_buy import members

        for member in members(shop_id, group_id):
            if member.status == PAID:
                notify(shop_id, member.user_id, "group_formed", "Your group is complete",
                       f"group:{group_id}:formed:{member.user_id}",
                       {"group_id": group_id, "order_id": member.order_id, "lottery": new.get("kind") == "lottery"},
                       at=at or None)
    draw = new.get("draw")  # a JSON attribute: a string in the stream image
    if draw and not before.get("draw"):
        draw = json.loads(draw) if isinstance(draw, str) else draw
        for winner in draw.get("winners") or []:
            notify(shop_id, winner, "group_lottery_won", "You won the group lottery",
                   f"group:{group_id}:won:{winner}", {"group_id": group_id}, at=at or None)
