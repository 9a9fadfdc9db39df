"""Factories: for each kind of object a route names, how to make one in a given shop, through the HTTP
API, as its rightful owner (the shop's owner key, or `o.shopper` for a shopper's own objects).

A capability that adds a route with a new path parameter adds a factory here; the security suite
fails with the missing kind's name until it exists. Factories build on each other with `o.get(kind)`
(the object cached for this shop and shopper) or `o.fresh(kind)` (a new one).
"""
import secrets
from typing import Any, Dict

from tests.security.registry import Objects, factory, unique

IMAGE = "https://img.example.com/p/1.jpg"
ADDRESS = {"name": "Li Lei", "phone": "13800000000", "province": "上海", "city": "上海", "district": "黄浦",
           "detail": "人民大道 1 号"}
STORE_AT = (31.2304, 121.4737)  # People's Square, Shanghai
PRICE_FEN = 1000


def checkout(o: Objects, items: Any, **extra: Any) -> Dict[str, Any]:
    """POST /v1/orders as the shopper; the order."""
    body = {"items": items, "delivery": extra.pop("delivery", {"type": "express", "address": ADDRESS}), **extra}
    return o.call("POST", "/v1/orders", body, headers={"Idempotency-Key": unique()}, expect=(201,))


def sandbox_pay(o: Objects, order_id: str) -> None:
    """The WeChat Pay sandbox pays the order through the real webhook."""
    o.call("POST", f"/sandbox/wechatpay/orders/{order_id}/pay", {})


# ---------------------------------------------------------------- catalog, stores


@factory("product_id", "sku_id")
def product(o: Objects) -> Dict[str, str]:
    """An on-shelf product with one SKU (1,000 fen, plenty of stock)."""
    made = o.owner("POST", "/admin/v1/products", {
        "title": f"Probe {unique()[-6:]}", "images": [IMAGE],
        "skus": [{"spec": "default", "price_fen": PRICE_FEN, "stock": 100000}]}, expect=(201,))
    return {"product_id": made["id"], "sku_id": made["skus"][0]["id"]}


@factory("category_id")
def category(o: Objects) -> str:
    """A root category."""
    return o.owner("POST", "/admin/v1/categories", {"name": f"Cat {unique()[-6:]}"}, expect=(201,))["id"]


@factory("store_id")
def store(o: Objects) -> str:
    """An active store with pickup, at People's Square."""
    lat, lng = STORE_AT
    return o.owner("POST", "/admin/v1/stores", {"name": f"Store {unique()[-6:]}", "lat": lat, "lng": lng,
                                                "address": "人民广场"}, expect=(201,))["id"]


# ---------------------------------------------------------------- a shopper's orders


@factory("cart_sku_id", owned=True)
def cart_line(o: Objects) -> str:
    """A SKU in the shopper's cart."""
    sku = o.fresh("sku_id")
    o.call("PUT", f"/v1/cart/items/{sku}", {"quantity": 1})
    return sku


@factory("order_id", owned=True)
def pending_order(o: Objects) -> str:
    """An express order of the shopper, waiting for payment."""
    return checkout(o, [{"sku_id": o.get("sku_id"), "quantity": 1}])["id"]


@factory("paid_order_id", owned=True)
def paid_order(o: Objects) -> str:
    """A paid express order of the shopper."""
    order_id = o.fresh("order_id")
    sandbox_pay(o, order_id)
    return order_id


@factory("shipped_order_id", owned=True)
def shipped_order(o: Objects) -> str:
    """A shipped order of the shopper."""
    order_id = o.fresh("paid_order_id")
    o.owner("POST", f"/admin/v1/orders/{order_id}/ship", {"carrier": "SF", "tracking_no": "SF1234567"})
    return order_id


@factory("received_order_id", owned=True)
def received_order(o: Objects) -> str:
    """An order the shopper received."""
    order_id = o.fresh("shipped_order_id")
    o.call("POST", f"/v1/orders/{order_id}/confirm-receipt")
    return order_id


@factory("pickup_code", "pickup_order_id", owned=True, unknown=lambda: f"{secrets.randbelow(10**8):08d}")
def pickup_order(o: Objects) -> Dict[str, str]:
    """A paid pickup order of the shopper and its pickup code."""
    order = checkout(o, [{"sku_id": o.get("sku_id"), "quantity": 1}],
                     delivery={"type": "pickup", "store_id": o.get("store_id")})
    sandbox_pay(o, order["id"])
    code = o.call("GET", f"/v1/orders/{order['id']}")["pickup_code"]
    return {"pickup_code": code, "pickup_order_id": order["id"]}


@factory("review_id", owned=True)
def review(o: Objects) -> str:
    """The shopper's review of a received order's line (the cached SKU's product)."""
    order_id = o.fresh("received_order_id")
    return o.call("POST", f"/v1/orders/{order_id}/reviews", {"sku_id": o.get("sku_id"), "rating": 4},
                  expect=(201,))["id"]


@factory("after_sale_id", owned=True)
def refund_request(o: Objects) -> str:
    """The shopper's refund request on a paid order, waiting for the merchant."""
    order_id = o.fresh("paid_order_id")
    return o.call("POST", f"/v1/orders/{order_id}/refund-requests", {"reason": "wrong size"}, expect=(201,))["id"]


@factory("refund_order_id", "out_refund_no", owned=True)
def refund(o: Objects) -> Dict[str, str]:
    """An approved refund request: the order and the refund number WeChat Pay knows."""
    after_sale = o.fresh("after_sale_id")
    decided = o.owner("POST", f"/admin/v1/refund-requests/{after_sale}/approve", {"note": "ok"})
    return {"refund_order_id": decided["order_id"], "out_refund_no": decided["out_refund_no"]}


@factory("user_id")
def shopper_id(o: Objects) -> str:
    """The shopper's own user id (a member of the shop)."""
    return o.shopper.user_id


@factory("notification", owned=True)
def notification(o: Objects) -> str:
    """A notification in the shopper's inbox (written as the stream reaction writes it; in-process only)."""
    from crowdcart.clock import now
    from crowdcart.db.models.notifications import Notification, notes_pk
    from crowdcart.ids import new_id

    cause = new_id()
    Notification(notes_pk(o.shop_id, o.shopper.user_id), f"NOTE#{now() * 1000:013d}#{cause}", template="probe",
                 title="Probe", cause=cause, created_at=now()).save()
    return cause


# ---------------------------------------------------------------- coupons, points


@factory("template_id")
def coupon_template(o: Objects) -> str:
    """A public no-threshold coupon template (100 fen off), plenty of quota."""
    return o.owner("POST", "/admin/v1/coupon-templates", {
        "name": f"Coupon {unique()[-6:]}", "kind": "no_threshold", "amount_off_fen": 100, "quota": 100000,
        "per_user_limit": 100, "valid_days_after_claim": 30}, expect=(201,))["id"]


@factory("coupon_id", owned=True)
def coupon(o: Objects) -> str:
    """A coupon in the shopper's wallet."""
    return o.call("POST", f"/v1/coupon-templates/{o.get('template_id')}/claim", expect=(201,))["coupon_id"]


@factory("points_template_id")
def points_coupon(o: Objects) -> str:
    """A template bought with 1 point, and the shopper holding a few points (today's check-in)."""
    template = o.owner("POST", "/admin/v1/coupon-templates", {
        "name": f"Points {unique()[-6:]}", "kind": "no_threshold", "amount_off_fen": 50, "quota": 100000,
        "per_user_limit": 100, "valid_days_after_claim": 30, "public": False, "points_cost": 1}, expect=(201,))
    o.call("POST", "/v1/me/check-ins", expect=(201, 409))
    return template["id"]


@factory("points_entry", owned=True)
def points_entry(o: Objects) -> str:
    """A line of the shopper's points ledger (a reported share)."""
    share_id = unique()
    o.call("POST", "/v1/me/shares", {"share_id": share_id}, expect=(201,))
    return share_id


# ---------------------------------------------------------------- campaigns


@factory("bargain_id")
def bargain(o: Objects) -> str:
    """A running bargain on the cached SKU (1,000 → 100 fen with 3 helpers)."""
    return o.owner("POST", "/admin/v1/bargains", {
        "sku_id": o.get("sku_id"), "floor_price_fen": 100, "helpers_needed": 3, "duration_seconds": 3600,
        "stock": 50, "per_user_limit": 99, "daily_help_limit": 100}, expect=(201,))["id"]


@factory("session_id", owned=True, shared="a bargain session is opened and helped by the owner's friends")
def bargain_session(o: Objects) -> str:
    """The shopper's session of the cached bargain."""
    return o.call("POST", f"/v1/bargains/{o.get('bargain_id')}/sessions", expect=(201,))["session_id"]


@factory("sale_id")
def flash_sale(o: Objects) -> str:
    """A live flash sale on the cached SKU (500 fen, 20 in stock)."""
    from crowdcart.clock import now

    return o.owner("POST", "/admin/v1/flash-sales", {
        "sku_id": o.get("sku_id"), "price_fen": 500, "stock": 20, "per_user_limit": 5,
        "starts_at": now() - 5, "ends_at": now() + 3600}, expect=(201,))["id"]


@factory("campaign_kind", "analytics_campaign_id", values=("campaign_kind",))
def analytics_campaign(o: Objects) -> Dict[str, str]:
    """A campaign as analytics names it, `{kind}/{campaign_id}`: the cached bargain."""
    return {"campaign_kind": "bargain", "analytics_campaign_id": o.get("bargain_id")}


@factory("shop_id", values=("shop_id",))
def shop(o: Objects) -> str:
    """The shop's own id (WeChat Pay's per-shop notify_url)."""
    return o.shop_id


# ---------------------------------------------------------------- group buys


@factory("activity_id")
def group_buy(o: Objects) -> str:
    """A running group buy on the cached SKU (groups of 5 at 500 fen)."""
    return o.owner("POST", "/admin/v1/group-buys", {
        "sku_id": o.get("sku_id"), "group_price_fen": 500, "group_size": 5, "duration_seconds": 3600,
        "per_user_limit": 100}, expect=(201,))["id"]


@factory("group_id", owned=True, shared="a group's share card is opened and joined by the leader's friends")
def group(o: Objects) -> str:
    """A group the shopper opened (as its leader) in the cached group buy, with free seats."""
    return o.call("POST", f"/v1/group-buys/{o.get('activity_id')}/groups",
                  {"delivery": {"type": "express", "address": ADDRESS}},
                  headers={"Idempotency-Key": unique()}, expect=(201,))["group_id"]


# ---------------------------------------------------------------- red packets


@factory("red_packet_campaign_id")
def red_packet_campaign(o: Objects) -> str:
    """A running red-packet campaign (points prizes, 2 assists to open)."""
    return o.owner("POST", "/admin/v1/red-packet-campaigns", {
        "name": f"Packets {unique()[-6:]}", "assists_needed": 2, "prize_kind": "points", "budget": 100000,
        "winners": 1000, "min_prize": 1, "max_prize": 10, "per_user_limit": 99, "daily_assist_limit": 100},
        expect=(201,))["id"]


@factory("packet_id", owned=True, shared="a red packet's share card is opened and assisted by the owner's friends")
def red_packet(o: Objects) -> str:
    """The shopper's red packet in the cached campaign, waiting for assists."""
    return o.call("POST", f"/v1/red-packet-campaigns/{o.get('red_packet_campaign_id')}/packets", expect=(201,))["id"]


# ---------------------------------------------------------------- discount pools (社交立减金), gift vouchers (礼券)


def _drain(o: Objects) -> None:
    """Run the stream reactions on the shop's new records (pools and vouchers are made by reactions)."""
    from tests.fakes.stream import drain

    drain(o.shop_id)


def _eventually(o: Objects, fetch: Any, what: str) -> Any:
    """`fetch()` once the stream reactions have run: drained here in-process; against a live server (whose
    own runner polls its stream) retried for a while."""
    import time

    from tests.security.registry import FactoryError

    deadline = time.monotonic() + 30
    while True:
        _drain(o)
        found = fetch()
        if found:
            return found
        if time.monotonic() > deadline:
            raise FactoryError(f"{what} never appeared (the stream reaction did not run)")
        time.sleep(0.25)


@factory("discount_rule_id")
def discount_rule(o: Objects) -> str:
    """A live discount-pool rule every paid order of at least 1 fen reaches (pools of 1,000 vouchers)."""
    return o.owner("POST", "/admin/v1/discount-pool-rules", {
        "name": f"Pool {unique()[-6:]}", "min_paid_fen": 1, "pool_size": 1000, "amount_off_fen": 100},
        expect=(201,))["id"]


@factory("spare_discount_rule_id")
def spare_discount_rule(o: Objects) -> str:
    """A rule no payment reaches (ending it leaves the cached rule alone)."""
    return o.owner("POST", "/admin/v1/discount-pool-rules", {
        "name": f"Spare {unique()[-6:]}", "min_paid_fen": 10_000_000_000, "pool_size": 1, "amount_off_fen": 100},
        expect=(201,))["id"]


@factory("pool_id", "pool_order_id", owned=True,
         shared="the buyer shares the pool's card: friends open it and claim from it")
def discount_pool(o: Objects) -> Dict[str, str]:
    """The pool of vouchers the shopper's paid order created (under the cached rule), and that order."""
    o.get("discount_rule_id")
    order_id = o.fresh("paid_order_id")
    pool = _eventually(o, lambda: o.call("GET", f"/v1/orders/{order_id}/discount-pool", expect=(200, 404)).get("id"),
                       f"the pool of order {order_id}")
    return {"pool_id": pool, "pool_order_id": order_id}


@factory("voucher_product_id", "voucher_sku_id")
def voucher_product(o: Objects) -> Dict[str, str]:
    """A gift-voucher product (kind `voucher`, 5,000 fen) with one SKU."""
    made = o.owner("POST", "/admin/v1/products", {
        "title": f"Gift card {unique()[-6:]}", "kind": "voucher", "images": [IMAGE],
        "skus": [{"spec": "50 yuan", "price_fen": 5000, "stock": 100000}]}, expect=(201,))
    return {"voucher_product_id": made["id"], "voucher_sku_id": made["skus"][0]["id"]}


def _bought_voucher(o: Objects, token: str) -> Dict[str, str]:
    """A paid voucher order of the shopper behind `token`: the order and its first voucher."""
    order = o.call("POST", "/v1/orders", {"items": [{"sku_id": o.get("voucher_sku_id"), "quantity": 1}],
                                          "delivery": {"type": "express", "address": ADDRESS}},
                   token=token, headers={"Idempotency-Key": unique()}, expect=(201,))
    o.call("POST", f"/sandbox/wechatpay/orders/{order['id']}/pay", {}, token=token)
    items = _eventually(o, lambda: o.call("GET", f"/v1/orders/{order['id']}/gift-vouchers", token=token)["items"],
                        f"the vouchers of order {order['id']}")
    return {"voucher_id": items[0]["id"], "voucher_order_id": order["id"]}


@factory("voucher_id", "voucher_order_id", owned=True)
def gift_voucher(o: Objects) -> Dict[str, str]:
    """A gift voucher the shopper bought (held, not sent yet), and its order."""
    return _bought_voucher(o, o.shopper.token)


@factory("sent_voucher_id", owned=True)
def sent_gift_voucher(o: Objects) -> str:
    """A gift voucher the shopper bought and sent (its link open)."""
    voucher_id = o.fresh("voucher_id")
    o.call("POST", f"/v1/gift-vouchers/{voucher_id}/send", {})
    return voucher_id


def _unknown_gift_token() -> str:
    from crowdcart.ids import new_id

    return new_id() + secrets.token_urlsafe(24)


@factory("gift_token", unknown=_unknown_gift_token)
def gift_token(o: Objects) -> str:
    """The share token of a gift another shopper of the shop sent (a bearer link: the shopper may claim it)."""
    sender = o.tenant.shopper("gift-sender")
    voucher_id = _bought_voucher(o, sender.token)["voucher_id"]
    return o.call("POST", f"/v1/gift-vouchers/{voucher_id}/send", {}, token=sender.token)["share_token"]


@factory("gift_code", unknown=lambda: f"{secrets.randbelow(10**12):012d}")
def gift_code(o: Objects) -> str:
    """The in-store code of a gift the shopper claimed."""
    return o.call("POST", "/v1/gift-voucher-claims", {"token": o.fresh("gift_token")}, expect=(201,))["code"]


# ---------------------------------------------------------------- referral commissions (分销)

REFERRAL_PROGRAM = {"level1_rate_bp": 1000, "level2_rate_bp": 200, "approval_required": True,
                    "min_withdrawal_fen": 100, "share_title": "好物推荐", "share_image_url": IMAGE}


def _promote(o: Objects, who: Any) -> str:
    """Switch the shop's referral programme on; `who` applies (once) and the owner approves. Its user id."""
    o.owner("PUT", "/admin/v1/referral/program", REFERRAL_PROGRAM)
    o.call("POST", "/v1/referral/promoters", token=who.token, expect=(201, 409))
    o.owner("POST", f"/admin/v1/referral/promoters/{who.user_id}/approve", expect=(200, 409))
    return who.user_id


@factory("promoter_id")
def promoter(o: Objects) -> str:
    """An approved promoter of the shop (its shopper `promoter`), the programme switched on."""
    return _promote(o, o.tenant.shopper("promoter"))


@factory("applicant_id")
def promoter_applicant(o: Objects) -> str:
    """A new shopper whose application to promote waits for the merchant."""
    o.owner("PUT", "/admin/v1/referral/program", REFERRAL_PROGRAM)
    who = o.tenant.fresh_shopper()
    o.call("POST", "/v1/referral/promoters", token=who.token, expect=(201,))
    return who.user_id


@factory("invitee_id", owned=True)
def referral_invitee(o: Objects) -> str:
    """A new shopper bound by the shopper's referral link (the shopper made an approved promoter)."""
    _promote(o, o.shopper)
    who = o.tenant.fresh_shopper()
    o.call("POST", "/v1/referral/bindings", {"promoter_id": o.shopper.user_id}, token=who.token, expect=(201,))
    return who.user_id


@factory("commission_order_id", owned=True)
def referral_commission(o: Objects) -> str:
    """An available commission of the shopper (10 % of 10,000 fen) on an invitee's order — the order's
    receipt and completion played through the referral core in-process, as the stream would."""
    from crowdcart.clock import now
    from crowdcart.ids import new_id
    from crowdcart.plays import referral

    order = {"shop_id": o.shop_id, "order_id": new_id(), "user_id": o.fresh("invitee_id"), "payable_fen": 10000,
             "refunded_fen": 0, "created_at": now() + 1}
    referral.earn(order)
    referral.unfreeze(order)
    return order["order_id"]


@factory("withdrawal_key", values=("withdrawal_key",))
def funded_withdrawal_key(o: Objects) -> str:
    """An Idempotency-Key for a withdrawal, with an available commission of the shopper behind it."""
    o.fresh("commission_order_id")
    return unique()


@factory("withdrawal_id", owned=True)
def referral_withdrawal(o: Objects) -> str:
    """The shopper's withdrawal of 500 fen, waiting for the merchant."""
    return o.call("POST", "/v1/me/referral/withdrawals", {"amount_fen": 500},
                  headers={"Idempotency-Key": o.fresh("withdrawal_key")}, expect=(201,))["id"]


# ---------------------------------------------------------------- lotteries (抽奖)


@factory("lottery_id")
def lottery(o: Objects) -> str:
    """A running lottery whose one prize (1 point, plenty of stock) every draw wins; the shopper joined it
    (100 entries)."""
    from crowdcart.clock import now

    made = o.owner("POST", "/admin/v1/lotteries", {
        "name": f"Lottery {unique()[-6:]}", "ends_at": now() + 86400, "initial_entries": 100, "share_entries": 1,
        "share_daily_cap": 100, "prizes": [{"name": "1 积分", "kind": "points", "points": 1,
                                             "probability_ppm": 1_000_000, "stock": 100000}]}, expect=(201,))
    o.call("POST", f"/v1/lotteries/{made['id']}/join")
    return made["id"]


@factory("lottery_draw_id", owned=True)
def lottery_draw(o: Objects) -> str:
    """A winning draw of the shopper in the cached lottery."""
    return o.call("POST", f"/v1/lotteries/{o.get('lottery_id')}/draws", expect=(201,))["draw_id"]


# ---------------------------------------------------------------- card collecting (集卡)


def _card_set(o: Objects) -> str:
    """A running set of two kinds (a 10-point prize), 100 draws on joining; the shopper joined it."""
    from crowdcart.clock import now

    set_id = o.owner("POST", "/admin/v1/card-sets", {
        "name": f"Cards {unique()[-6:]}", "ends_at": now() + 86400, "initial_draws": 100, "assist_draws": 1,
        "assists_cap": 1000, "share_draws": 1, "share_daily_cap": 100,
        "kinds": [{"name": "福", "weight": 1}, {"name": "禄", "weight": 1}],
        "prize": {"name": "10 积分", "kind": "points", "points": 10}}, expect=(201,))["id"]
    o.call("POST", f"/v1/card-sets/{set_id}/join")
    return set_id


def _draw_until(o: Objects, set_id: str, token: str, done: Any) -> Dict[str, Any]:
    """Draw cards as `token` until `done(album)` (two kinds of equal weight: a few draws)."""
    album = o.call("GET", f"/v1/card-sets/{set_id}/album", token=token)
    while not done(album):
        o.call("POST", f"/v1/card-sets/{set_id}/draws", token=token, expect=(201,))
        album = o.call("GET", f"/v1/card-sets/{set_id}/album", token=token)
    return album


@factory("set_id")
def card_set(o: Objects) -> str:
    """A running card set the shopper joined (100 draws)."""
    return _card_set(o)


@factory("full_set_id")
def full_card_set(o: Objects) -> str:
    """A running card set (any shopper of the shop may open it) in which the shopper holds a full set."""
    set_id = _card_set(o)
    _draw_until(o, set_id, o.shopper.token, lambda album: album["complete"])
    return set_id


@factory("album_owner_id", owned=True, shared="friends open the owner's shared album and help it")
def album_owner(o: Objects) -> str:
    """The shopper, whose album in the cached card set friends open and help."""
    o.get("set_id")
    return o.shopper.user_id


@factory("duplicate_kind", values=("duplicate_kind",))
def duplicate_card(o: Objects) -> str:
    """A kind of which the shopper holds a duplicate in the cached set (three more draws of two kinds)."""
    set_id = o.get("set_id")
    for _ in range(3):
        o.call("POST", f"/v1/card-sets/{set_id}/draws", expect=(201,))
    return next(iter(o.call("GET", f"/v1/card-sets/{set_id}/album")["duplicates"]))


@factory("gift_id", owned=True, shared="the giver shares the gift's link: friends open and claim it")
def card_gift(o: Objects) -> str:
    """A duplicate card the shopper gives, waiting for a friend."""
    return o.call("POST", f"/v1/card-sets/{o.get('set_id')}/gifts", {"kind_id": o.fresh("duplicate_kind")},
                  expect=(201,))["id"]


@factory("card_redeemer_id")
def card_redemption(o: Objects) -> str:
    """A new shopper who joined the cached card set, collected it and redeemed it."""
    set_id, who = o.get("set_id"), o.tenant.fresh_shopper()
    o.call("POST", f"/v1/card-sets/{set_id}/join", token=who.token)
    _draw_until(o, set_id, who.token, lambda album: album["complete"])
    o.call("POST", f"/v1/card-sets/{set_id}/redemptions", token=who.token, expect=(201,))
    return who.user_id
