"""Red-packet assists (助力红包): campaigns, packets a shopper shares, friends' assists, and the prize draw.

Starting a packet takes one of the campaign's seats (`seats_left`, as many as winners) in the same
transaction that puts the packet, so every packet that reaches its assists is sure of a prize; a
packet that expires unopened gives its seat back (the sweeper).

An assist is one transaction: the assist put-if-absent (once per friend per packet), the packet's
counter raised only while open, unexpired and not the helper's own, the helper's daily counter under
its limit, and the helper's first participation in the campaign. An assist that does not complete the
packet adds 1 on condition `assists < N − 1` (friends never queue behind each other for a slot); the
completing one sets `assists = N` on condition `assists = N − 1`, and in the same transaction opens the
packet and pays the prize: the amount is drawn from the pool read just before
(crowdcart.domain.prize_pool) and reserved with `remaining >= need AND winners_left > 0`, together with
the coupon or points — a refused reservation re-reads the pool and draws again. A helper whose
condition failed (the packet moved on meanwhile) reads it again and tries once more, until it opens.
"""
import random
import secrets
import time
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now, today
from crowdcart.db import due
from crowdcart.db.connection import Entity
from crowdcart.db.models.redpackets import (EXPIRED, EXPIRY_DUE, OPEN, OPENED, RedPacket, RedPacketAssist,
                                            RedPacketCampaign, RedPacketHelperDay, RedPacketStarter, packet_pk)
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain import coupons as coupon_rules
from crowdcart.domain import prize_pool
from crowdcart.errors import Conflict, ServiceUnavailable, not_found, validation_error
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event, logger
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.rewards import points
from crowdcart.rewards.grants import GRANT, CouponGrant, grant_actions
from crowdcart.viral import is_new_user, participation_key, run_counted, share_card

KIND = "red_packet"
ASSIST_ATTEMPTS = 60
DAY_COUNTER_TTL_SECONDS = 3 * 86400
PACKET, CAMPAIGN, STARTER, ASSIST, DAILY, POOL = "packet", "campaign", "starter", "assist", "daily", "pool"


# ---------------------------------------------------------------- campaigns (merchant)

def _load_campaign(shop_id: str, campaign_id: str, consistent: bool = False) -> RedPacketCampaign:
    if not is_id(campaign_id):
        raise not_found("red_packet_campaign", campaign_id)
    try:
        return RedPacketCampaign.get(*RedPacketCampaign.key(shop_id, campaign_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("red_packet_campaign", campaign_id) from exc


def campaign_status(campaign: RedPacketCampaign, moment: int) -> str:
    """upcoming | active | ended | finished (every prize paid) | full (every seat held by an open packet)."""
    if moment < campaign.starts_at:
        return "upcoming"
    if campaign.ends_at is not None and moment >= campaign.ends_at:
        return "ended"
    if int(campaign.winners_left) < 1:
        return "finished"
    return "full" if int(campaign.seats_left) < 1 else "active"


def campaign_view(campaign: RedPacketCampaign, moment: int, for_merchant: bool = False) -> Dict[str, Any]:
    """A campaign as shoppers see it (the merchant also sees the pool and its counters)."""
    body = {"id": campaign.campaign_id, "name": campaign.name, "description": campaign.description,
            "image": campaign.image, "assists_needed": int(campaign.assists_needed),
            "prize_kind": campaign.prize_kind, "min_prize": int(campaign.min_prize),
            "max_prize": int(campaign.max_prize), "packet_seconds": int(campaign.packet_seconds),
            "daily_assist_limit": int(campaign.daily_assist_limit), "per_user_limit": int(campaign.per_user_limit),
            "starts_at": int(campaign.starts_at), "ends_at": int(campaign.ends_at) if campaign.ends_at else None,
            "status": campaign_status(campaign, moment)}
    if for_merchant:
        body.update(budget=int(campaign.budget), remaining=int(campaign.remaining), winners=int(campaign.winners),
                    winners_left=int(campaign.winners_left), seats_left=int(campaign.seats_left),
                    coupon_min_spend_fen=int(campaign.coupon_min_spend_fen),
                    coupon_valid_days=int(campaign.coupon_valid_days),
                    packets_started=int(campaign.packets_started), packets_opened=int(campaign.packets_opened),
                    packets_expired=int(campaign.packets_expired), paid_out=int(campaign.paid_out),
                    created_at=iso(int(campaign.created_at)))
    return body


def create_campaign(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create a campaign; 422 naming the field when its pool cannot pay every winner the minimum."""
    moment = now()
    try:
        prize_pool.check_rule(fields["budget"], fields["winners"], fields["min_prize"], fields["max_prize"])
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise validation_error(field, message) from exc
    if fields["prize_kind"] == "coupon":
        spend = fields["coupon_min_spend_fen"]
        if spend and fields["max_prize"] > spend:
            raise validation_error("max_prize", "a coupon prize cannot exceed coupon_min_spend_fen")
    elif fields["coupon_min_spend_fen"]:
        raise validation_error("coupon_min_spend_fen", "only a coupon prize takes a minimum spend")
    starts_at = fields["starts_at"] or moment
    if fields["ends_at"] is not None and fields["ends_at"] <= max(moment, starts_at):
        raise validation_error("ends_at", "must be in the future and after starts_at")
    campaign_id = new_id()
    RedPacketCampaign(
        *RedPacketCampaign.key(shop_id, campaign_id), campaign_id=campaign_id, shop_id=shop_id, name=fields["name"],
        description=fields["description"], image=fields["image"], assists_needed=fields["assists_needed"],
        prize_kind=fields["prize_kind"], budget=fields["budget"], winners=fields["winners"],
        min_prize=fields["min_prize"], max_prize=fields["max_prize"], remaining=fields["budget"],
        winners_left=fields["winners"], seats_left=fields["winners"],
        coupon_min_spend_fen=fields["coupon_min_spend_fen"], coupon_valid_days=fields["coupon_valid_days"],
        packet_seconds=fields["packet_seconds"], daily_assist_limit=fields["daily_assist_limit"],
        per_user_limit=fields["per_user_limit"], starts_at=starts_at, ends_at=fields["ends_at"], created_at=moment,
        GSI1PK=RedPacketCampaign.list_partition(shop_id), GSI1SK=f"CAMPAIGN#{campaign_id}",
    ).save(condition=RedPacketCampaign.PK.does_not_exist())
    business_event("RedPacketCampaignCreated", shop_id=shop_id, campaign_id=campaign_id)
    return {"id": campaign_id}


def get_campaign(shop_id: str, campaign_id: str, for_merchant: bool = False) -> Dict[str, Any]:
    """One campaign."""
    return campaign_view(_load_campaign(shop_id, campaign_id, consistent=for_merchant), now(), for_merchant)


def list_campaigns(shop_id: str, limit: int, cursor: Optional[str], for_merchant: bool = False) -> Dict[str, Any]:
    """The shop's campaigns, newest first (shoppers: only those not ended)."""
    moment = now()
    condition = None if for_merchant else (RedPacketCampaign.ends_at.does_not_exist()
                                           | (RedPacketCampaign.ends_at > moment))
    page = RedPacketCampaign.gsi1.query(RedPacketCampaign.list_partition(shop_id), scan_index_forward=False,
                                        limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor),
                                        filter_condition=condition)
    return {"items": [campaign_view(c, moment, for_merchant) for c in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def end_campaign(shop_id: str, campaign_id: str) -> Dict[str, Any]:
    """Stop new packets now; open packets run until they open or expire (their prizes stay reserved)."""
    moment = now()
    campaign = _load_campaign(shop_id, campaign_id, consistent=True)
    try:
        update_if(CAMPAIGN, campaign, [RedPacketCampaign.ends_at.set(moment)],
                  RedPacketCampaign.ends_at.does_not_exist() | (RedPacketCampaign.ends_at > moment))
    except ConditionFailed as exc:
        raise Conflict("red_packet_campaign_ended", "This campaign has already ended.") from exc
    return get_campaign(shop_id, campaign_id, for_merchant=True)


# ---------------------------------------------------------------- packets (shoppers)

def _refuse_start(campaign: RedPacketCampaign, moment: int) -> None:
    status = campaign_status(campaign, moment)
    messages = {"upcoming": "This campaign has not started yet.", "ended": "This campaign has ended.",
                "finished": "Every red packet of this campaign has been given out.",
                "full": "All red packets are taken right now; unopened ones free up when they expire."}
    if status in messages:
        raise Conflict(f"red_packet_campaign_{status}", messages[status])


def start_packet(shop_id: str, campaign_id: str, user_id: str) -> Dict[str, Any]:
    """A shopper starts a packet to share (within the per-user limit), holding one of the campaign's seats."""
    moment = now()
    campaign = _load_campaign(shop_id, campaign_id, consistent=True)
    _refuse_start(campaign, moment)
    marker = participation_key(shop_id, KIND, campaign_id, user_id)
    joined = bool(list(Entity.batch_get([marker], consistent_read=True)))
    packet_id = new_id()
    expires = moment + int(campaign.packet_seconds)  # a started packet runs its time even past the campaign's end
    packet = RedPacket(*RedPacket.key(shop_id, packet_id), packet_id=packet_id, campaign_id=campaign_id,
                       shop_id=shop_id, owner_id=user_id, name=campaign.name,
                       assists_needed=int(campaign.assists_needed), assists=0, new_assists=0,
                       daily_assist_limit=int(campaign.daily_assist_limit), prize_kind=campaign.prize_kind,
                       status=OPEN, created_at=moment, expires_at=expires, DUEPK=EXPIRY_DUE,
                       DUESK=due.due_sort_key(expires, shop_id, packet_id),
                       **RedPacket.index_keys(shop_id, campaign_id, user_id, packet_id))

    def build() -> Transaction:
        tx = Transaction()
        tx.put(PACKET, packet, RedPacket.PK.does_not_exist())
        tx.update(CAMPAIGN, RedPacketCampaign(*RedPacketCampaign.key(shop_id, campaign_id)),
                  [RedPacketCampaign.seats_left.add(-1), RedPacketCampaign.packets_started.add(1)],
                  condition=(RedPacketCampaign.seats_left >= 1) & (RedPacketCampaign.starts_at <= moment)
                  & (RedPacketCampaign.ends_at.does_not_exist() | (RedPacketCampaign.ends_at > moment)))
        tx.update(STARTER, RedPacketStarter(*RedPacketStarter.key(shop_id, campaign_id, user_id)),
                  [RedPacketStarter.packets.add(1), RedPacketStarter.entity.set(RedPacketStarter)],
                  condition=RedPacketStarter.packets.does_not_exist()
                  | (RedPacketStarter.packets < int(campaign.per_user_limit)))
        return tx

    try:
        run_counted(build, shop_id, KIND, campaign_id, user_id, False, joined)
    except ConditionFailed as exc:
        if exc.label == STARTER:
            raise Conflict("red_packet_limit_reached",
                           f"You can start at most {int(campaign.per_user_limit)} red packet(s) here.") from exc
        if exc.label == CAMPAIGN:
            _refuse_start(_load_campaign(shop_id, campaign_id, consistent=True), moment)
            raise Conflict("red_packet_campaign_full", "All red packets were just taken; retry shortly.") from exc
        raise
    business_event("RedPacketStarted", shop_id=shop_id, campaign_id=campaign_id, packet_id=packet_id)
    return packet_view(packet, [], user_id, moment)


def _load_packet(shop_id: str, packet_id: str) -> RedPacket:
    if not is_id(packet_id):
        raise not_found("red_packet", packet_id)
    try:
        return RedPacket.get(*RedPacket.key(shop_id, packet_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("red_packet", packet_id) from exc


def _refuse_assist(packet: RedPacket, helper_id: str, moment: int) -> None:
    if packet.owner_id == helper_id:
        raise Conflict("red_packet_own", "You cannot assist your own red packet; share it with friends.")
    if packet.status == OPENED or int(packet.assists) >= int(packet.assists_needed):
        raise Conflict("red_packet_opened", "This red packet has already been opened.")
    if packet.status != OPEN or moment >= int(packet.expires_at):
        raise Conflict("red_packet_expired", "This red packet has expired.")


def assist(shop_id: str, packet_id: str, helper_id: str) -> Dict[str, Any]:
    """A friend's assist: once per friend per packet, within the daily limit; the N-th one opens the packet."""
    packet = _load_packet(shop_id, packet_id)
    profile_key, marker = Shopper.key(shop_id, helper_id), participation_key(shop_id, KIND, packet.campaign_id,
                                                                             helper_id)
    found = {(i.PK, i.SK): i for i in Entity.batch_get([profile_key, marker], consistent_read=True)}
    profile = found.get(profile_key)
    if profile is None:
        raise not_found("user", helper_id)
    joined, is_new = marker in found, is_new_user(profile, int(packet.created_at))
    rng = random.Random(secrets.randbits(64))
    campaign: Optional[RedPacketCampaign] = None
    for attempt in range(ASSIST_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.05, 0.005 * attempt)))
            packet = _load_packet(shop_id, packet_id)
        moment = now()
        _refuse_assist(packet, helper_id, moment)
        have = int(packet.assists)
        completing = have + 1 == int(packet.assists_needed)
        prize = None
        if completing:
            campaign = _load_campaign(shop_id, packet.campaign_id, consistent=True)
            try:
                prize = prize_pool.draw(int(campaign.remaining), int(campaign.winners_left),
                                        int(campaign.min_prize), int(campaign.max_prize), rng)
            except prize_pool.PoolExhausted as exc:  # cannot happen while seats are kept: log loudly
                logger.error("red packet pool exhausted for a seated packet",
                             extra={"shop_id": shop_id, "packet_id": packet_id})
                raise Conflict("red_packet_pool_exhausted", "The prize pool of this campaign is empty.") from exc
        build = _assist_builder(shop_id, packet, campaign, helper_id, profile, is_new, prize, moment)
        try:
            run_counted(build, shop_id, KIND, packet.campaign_id, helper_id, is_new, joined)
        except ConditionFailed as exc:
            if exc.label == ASSIST:
                raise Conflict("already_assisted", "You already assisted this red packet.") from exc
            if exc.label == DAILY:
                raise Conflict("daily_assist_limit_reached",
                               f"You can assist at most {int(packet.daily_assist_limit)} red packets of this "
                               "campaign a day.") from exc
            if exc.label in (PACKET, POOL, GRANT, points.ENTRY):
                continue  # the packet moved on (its prize is paid), or another packet took from the pool
            raise
        except ServiceUnavailable:
            continue
        business_event("RedPacketAssisted", shop_id=shop_id, packet_id=packet_id, is_new=int(is_new))
        if prize is not None:
            business_event("RedPacketOpened", shop_id=shop_id, packet_id=packet_id, prize=prize.amount,
                           prize_kind=packet.prize_kind)
        return {"packet_id": packet_id, "assists": have + 1, "assists_needed": int(packet.assists_needed),
                "opened": prize is not None, "is_new": is_new}
    raise ServiceUnavailable("busy", "Many friends are assisting right now; please retry.")


def prize_grant(campaign: RedPacketCampaign, amount: int) -> CouponGrant:
    """The coupon a coupon prize of `amount` fen is: no threshold, or amount off above the minimum spend."""
    spend = int(campaign.coupon_min_spend_fen)
    rule = coupon_rules.rule_of("amount_off" if spend else "no_threshold", amount_off_fen=amount, min_spend_fen=spend)
    return CouponGrant(shop_id=campaign.shop_id, template_id=campaign.campaign_id, name=campaign.name, rule=rule,
                       valid_days_after_claim=int(campaign.coupon_valid_days))


def _assist_builder(shop_id: str, packet: RedPacket, campaign: Optional[RedPacketCampaign], helper_id: str,
                    profile: Shopper, is_new: bool, prize: Optional[prize_pool.Draw], moment: int):
    """The assist's writes (and, for the N-th, the packet's opening and prize), all or nothing."""
    packet_id, campaign_id, cause = packet.packet_id, packet.campaign_id, f"red_packet:{packet.packet_id}"
    needed, at_ms = int(packet.assists_needed), int(time.time() * 1000)

    def build() -> Transaction:
        tx = Transaction()
        tx.put(ASSIST, RedPacketAssist(*RedPacketAssist.key(shop_id, packet_id, helper_id), helper_id=helper_id,
                                       is_new=int(is_new), nickname=profile.nickname or "",
                                       avatar_url=profile.avatar_url or "", at=moment, at_ms=at_ms),
               RedPacketAssist.PK.does_not_exist())
        counting = [RedPacket.assists.add(1), RedPacket.new_assists.add(int(is_new))]
        room = RedPacket.assists < needed - 1
        if prize is not None:
            room = RedPacket.assists == needed - 1
            counting += [RedPacket.status.set(OPENED), RedPacket.prize_amount.set(prize.amount),
                         RedPacket.opened_at.set(moment), RedPacket.DUEPK.remove(), RedPacket.DUESK.remove()]
            if packet.prize_kind == "coupon":
                coupon = grant_actions(tx, prize_grant(campaign, prize.amount), packet.owner_id, cause, moment)
                counting.append(RedPacket.coupon_id.set(coupon.coupon_id))
            else:
                points.move_actions(tx, shop_id, packet.owner_id, cause, prize.amount, KIND, moment,
                                    {"campaign_id": campaign_id, "packet_id": packet_id})
            tx.update(POOL, RedPacketCampaign(*RedPacketCampaign.key(shop_id, campaign_id)),
                      [RedPacketCampaign.remaining.add(-prize.amount), RedPacketCampaign.winners_left.add(-1),
                       RedPacketCampaign.packets_opened.add(1), RedPacketCampaign.paid_out.add(prize.amount)],
                      condition=(RedPacketCampaign.remaining >= prize.need) & (RedPacketCampaign.winners_left > 0))
        tx.update(PACKET, RedPacket(*RedPacket.key(shop_id, packet_id)), counting,
                  condition=room & (RedPacket.status == OPEN) & (RedPacket.expires_at > moment)
                  & (RedPacket.owner_id != helper_id))
        tx.update(DAILY, RedPacketHelperDay(*RedPacketHelperDay.key(shop_id, campaign_id, helper_id, today(moment))),
                  [RedPacketHelperDay.assists.add(1), RedPacketHelperDay.entity.set(RedPacketHelperDay),
                   RedPacketHelperDay.expires_at_ttl.set(moment + DAY_COUNTER_TTL_SECONDS)],
                  condition=RedPacketHelperDay.assists.does_not_exist()
                  | (RedPacketHelperDay.assists < int(packet.daily_assist_limit)))
        return tx

    return build


def packet_status(packet: RedPacket, moment: int) -> str:
    """open | opened | expired (an open packet past its end is expired before the sweeper gets to it)."""
    if packet.status == OPEN and moment >= int(packet.expires_at):
        return EXPIRED
    return packet.status


def packet_view(packet: RedPacket, assists: List[RedPacketAssist], viewer_id: str, moment: int) -> Dict[str, Any]:
    """A packet with its friends' assists in order, the share card, and (to its owner) the prize."""
    mine, status = viewer_id == packet.owner_id, packet_status(packet, moment)
    missing = int(packet.assists_needed) - int(packet.assists)
    body = {"id": packet.packet_id, "campaign_id": packet.campaign_id, "owner_id": packet.owner_id,
            "name": packet.name, "status": status, "assists": int(packet.assists),
            "assists_needed": int(packet.assists_needed), "new_assists": int(packet.new_assists),
            "prize_kind": packet.prize_kind, "created_at": iso(int(packet.created_at)),
            "expires_at": int(packet.expires_at), "mine": mine,
            "assisted": any(a.helper_id == viewer_id for a in assists),
            "prize": None,
            "helpers": [{"user_id": a.helper_id, "nickname": a.nickname, "avatar_url": a.avatar_url,
                         "is_new": bool(a.is_new), "at": iso(int(a.at))} for a in sorted(assists, key=lambda a: (int(a.at_ms), a.helper_id))],
            "share": share_card(f"还差{missing}人，帮我拆开{packet.name}红包！" if status == OPEN else f"{packet.name}红包",
                                "Tap to help open my red packet.",
                                f"pages/red-packet/index?packet_id={packet.packet_id}")}
    if mine and status == OPENED:
        body["prize"] = {"kind": packet.prize_kind, "amount": int(packet.prize_amount or 0),
                         "coupon_id": packet.coupon_id, "opened_at": iso(int(packet.opened_at))}
    return body


def get_packet(shop_id: str, packet_id: str, viewer_id: str) -> Dict[str, Any]:
    """A packet and its assists, in one query of its partition (any shopper of the shop may open a shared one)."""
    if not is_id(packet_id):
        raise not_found("red_packet", packet_id)
    packet, assists = None, []
    for item in Entity.query(packet_pk(shop_id, packet_id), consistent_read=True):
        if isinstance(item, RedPacket):
            packet = item
        elif isinstance(item, RedPacketAssist):
            assists.append(item)
    if packet is None:
        raise not_found("red_packet", packet_id)
    return packet_view(packet, assists, viewer_id, now())


def _packet_page(shop_id: str, page: Any, viewer_id: Optional[str]) -> Dict[str, Any]:
    moment = now()
    return {"items": [packet_view(p, [], viewer_id or p.owner_id, moment) for p in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def my_packets(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shopper's packets, newest first (helpers omitted: open one for them)."""
    page = RedPacket.gsi1.query(RedPacket.owner_partition(shop_id, user_id), scan_index_forward=False, limit=limit,
                                last_evaluated_key=decode_cursor(shop_id, cursor))
    return _packet_page(shop_id, page, user_id)


def campaign_packets(shop_id: str, campaign_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A campaign's packets, newest first (merchant)."""
    _load_campaign(shop_id, campaign_id)
    page = RedPacket.gsi2.query(RedPacket.campaign_partition(shop_id, campaign_id), scan_index_forward=False,
                                limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return _packet_page(shop_id, page, None)


# ---------------------------------------------------------------- expiry sweeper

def expire_packet(shop_id: str, packet_id: str, at: Optional[int] = None) -> bool:
    """Expire an open packet past its end and give its seat back; False when it opened or expired already."""
    moment = at or now()
    packet = _load_packet(shop_id, packet_id)
    if packet.status != OPEN:
        return False

    def build() -> Transaction:
        tx = Transaction()
        tx.update(PACKET, RedPacket(*RedPacket.key(shop_id, packet_id)),
                  [RedPacket.status.set(EXPIRED), RedPacket.DUEPK.remove(), RedPacket.DUESK.remove()],
                  condition=(RedPacket.status == OPEN) & (RedPacket.expires_at <= moment))
        tx.update(CAMPAIGN, RedPacketCampaign(*RedPacketCampaign.key(shop_id, packet.campaign_id)),
                  [RedPacketCampaign.seats_left.add(1), RedPacketCampaign.packets_expired.add(1)],
                  condition=RedPacketCampaign.PK.exists())
        return tx

    try:
        run_transaction(build)
    except ConditionFailed:
        return False
    business_event("RedPacketExpired", shop_id=shop_id, packet_id=packet_id)
    return True


def sweep_expired(at: Optional[int] = None) -> Dict[str, int]:
    """Expire every open packet past its end (all shops), giving their seats back."""
    moment, expired = at or now(), 0
    for pk, _ in due.due_keys(EXPIRY_DUE, moment):
        parts = pk.split("#")  # SHOP#<shop>#RPACKET#<packet>
        if len(parts) == 4 and expire_packet(parts[1], parts[3], moment):
            expired += 1
    return {"expired": expired}
