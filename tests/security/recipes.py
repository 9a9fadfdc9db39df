"""Recipes: a valid request of every route that needs more than its path (a body, headers, a query,
a path parameter filled by another kind of object, a special caller). Keyed `METHOD path`.

A capability that adds a write route with a request body adds its recipe here; the security suite
fails, naming the route, until it exists. Placeholders are explained in `registry.Recipe`.
"""
from tests.security.factories import ADDRESS, IMAGE, STORE_AT
from tests.security.registry import UNPAGED, recipe, variant

PUBLIC_KEY_PEM = (
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArePD5j9sewddITFBiSbC\n"
    "OIf2iKeNPoH0dQnXlqFaJR8vZrIpf6P8JcewQCK+dOWx99hNMncl5hoFVndj4Qdj\n"
    "ftEmRRiYiPy/+QdQ1PRDmojebapvLqg9aG1ctcxLrWTSA7xAl5exKIfZpgSW3nur\n"
    "IGePc6yjU3wrucZ+HKLqIpi2Gf+2zAm3S7hjPlki10yj+XSfYhoOEmN9Xt3jDXor\n"
    "KauCM+DzoTONI4orkwe9GatqgTK7WDLVANUBA3Rvo7EAgH2P76kB4HZicsNYOnu5\n"
    "5cv2kKGlnJ5eJecp55ibSOdhK/+5GgECQKyAhVupRc9opNkUL8al2Zn720Gla7/X\n"
    "swIDAQAB\n-----END PUBLIC KEY-----\n")
NEW_KEY = "Idempotency-Key"

# ---------------------------------------------------------------- platform, shop setup

recipe("POST /admin/v1/shops", body={"name": "Shop {unique}"})
recipe("GET /admin/v1/staff-keys", owner_only=True)
recipe("POST /admin/v1/staff-keys", body={"role": "viewer", "label": "till {unique}"}, owner_only=True)
recipe("PUT /admin/v1/settings", isolated="changes the shop's rules for every other probe",
       body={"pay_timeout_minutes": 30, "order_coupon_template_id": "{template_id}"})
recipe("PUT /admin/v1/wechat", body={"appid": "wx0123456789abcdef", "mchid": "1900000109"}, owner_only=True,
       isolated="a new appid would no longer match the sandbox's signed notifications")
recipe("PUT /admin/v1/wechat/pay", owner_only=True, isolated="new WeChat Pay keys would fail the sandbox's signatures",
       body={"merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
             "public_keys": [{"id": "PUB_KEY_ID_0114232134912410000000000000000000", "pem": PUBLIC_KEY_PEM}]})
recipe("GET /admin/v1/members/{user_id}")

# ---------------------------------------------------------------- auth, profile

recipe("POST /v1/auth/login", body={"shop_id": "{shop_id}", "code": "probe#{unique}"})
recipe("PATCH /v1/me", body={"nickname": "Probe", "avatar_url": IMAGE, "phone": "13800000000"})

# ---------------------------------------------------------------- catalog

recipe("POST /admin/v1/categories", body={"name": "Sub {unique}", "parent_id": "{category_id}", "sort": 1})
recipe("POST /admin/v1/products", body={
    "title": "Probe {unique}", "category_id": "{category_id}", "description": "说明", "images": [IMAGE],
    "skus": [{"spec": "red", "price_fen": 1990, "stock": 5, "image": IMAGE}]})
recipe("PATCH /admin/v1/products/{product_id}", body={"title": "Renamed", "images": [IMAGE],
                                                      "category_id": "{category_id}"})
recipe("PATCH /admin/v1/skus/{sku_id}", body={"price_fen": 990, "spec": "blue"})
recipe("PUT /admin/v1/skus/{sku_id}/stock", body={"delta": 5})
recipe("GET /admin/v1/products", fills="product_id")
recipe("GET /v1/products", fills="product_id")
UNPAGED["GET /admin/v1/categories"] = "the shop's category tree, read whole (no cap on how many a merchant makes)"
UNPAGED["GET /v1/categories"] = "the shop's category tree, read whole (no cap on how many a merchant makes)"
UNPAGED["GET /admin/v1/staff-keys"] = "the shop's staff keys, read whole (made only by the owner)"

# ---------------------------------------------------------------- stores

recipe("POST /admin/v1/stores", body={
    "name": "Store {unique}", "lat": STORE_AT[0], "lng": STORE_AT[1], "address": "人民广场",
    "opening_hours": [{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "21:00"}], "pickup_enabled": True})
recipe("PATCH /admin/v1/stores/{store_id}", body={"name": "Renamed store", "pickup_enabled": False})
recipe("GET /admin/v1/stores", fills="store_id")
recipe("GET /v1/stores/nearby", fills="store_id", query={"lat": str(STORE_AT[0]), "lng": str(STORE_AT[1])})

# ---------------------------------------------------------------- cart, checkout, orders

recipe("PUT /v1/cart/items/{sku_id}", body={"quantity": 2})
UNPAGED["GET /v1/cart"] = "the shopper's cart: at most the shop's cart_line_limit lines (≤ 200), enforced by a counter"
recipe("DELETE /v1/cart/items/{sku_id}", params={"sku_id": "cart_sku_id"})
recipe("POST /v1/orders", headers={NEW_KEY: "{unique}"}, body={
    "items": [{"sku_id": "{sku_id}", "quantity": 1}], "delivery": {"type": "express", "address": ADDRESS},
    "note": "ring twice"})
variant("POST /v1/orders", "pickup", body={"items": [{"sku_id": "{sku_id}", "quantity": 1}],
                                           "delivery": {"type": "pickup", "store_id": "{store_id}"}})
variant("POST /v1/orders", "coupon", body={"items": [{"sku_id": "{sku_id}", "quantity": 1}], "coupon_id": "{coupon_id}",
                                           "delivery": {"type": "express", "address": ADDRESS}})
variant("POST /v1/orders", "bargain", body={"items": [{"sku_id": "{sku_id}", "quantity": 1}],
                                            "activity": {"type": "bargain", "id": "{session_id}"},
                                            "delivery": {"type": "express", "address": ADDRESS}})
variant("POST /v1/orders", "flash_sale", body={"items": [{"sku_id": "{sku_id}", "quantity": 1}],
                                               "activity": {"type": "flash_sale", "id": "{sale_id}"},
                                               "delivery": {"type": "express", "address": ADDRESS}})
recipe("GET /v1/orders", fills="order_id")
recipe("GET /admin/v1/orders", fills="order_id")
recipe("POST /v1/orders/{order_id}/confirm-receipt", params={"order_id": "shipped_order_id"})
recipe("POST /admin/v1/orders/{order_id}/ship", params={"order_id": "paid_order_id"},
       body={"carrier": "SF Express", "tracking_no": "SF1234567890"})
recipe("POST /admin/v1/pickups/verify", body={"code": "{pickup_code}"})
recipe("POST /sandbox/wechatpay/orders/{order_id}/pay", body={})
recipe("POST /sandbox/wechatpay/orders/{order_id}/refunds/{out_refund_no}/notify",
       params={"order_id": "refund_order_id"}, body={"status": "SUCCESS"})
recipe("POST /webhooks/wechatpay", positive="signed by WeChat: tests/integration/test_webhook.py")
recipe("POST /webhooks/wechatpay/{shop_id}", positive="signed by WeChat: tests/integration/test_webhook.py")
UNPAGED["GET /admin/v1/orders/{order_id}/refunds"] = "one order's refunds: one number per cause, one in flight"

# ---------------------------------------------------------------- after-sales, reviews, notifications

recipe("POST /v1/orders/{order_id}/refund-requests", params={"order_id": "paid_order_id"},
       body={"reason": "arrived broken", "photos": [IMAGE]})
UNPAGED["GET /v1/orders/{order_id}/refund-requests"] = "one order's refund requests: one open at a time"
recipe("GET /admin/v1/refund-requests", fills="after_sale_id")
recipe("POST /admin/v1/refund-requests/{after_sale_id}/approve", body={"note": "sorry"})
recipe("POST /admin/v1/refund-requests/{after_sale_id}/reject", body={"note": "used"})
recipe("POST /v1/orders/{order_id}/reviews", params={"order_id": "received_order_id"},
       body={"sku_id": "{sku_id}", "rating": 5, "text": "好", "photos": [IMAGE]})
recipe("GET /v1/products/{product_id}/reviews", fills="review_id")
recipe("POST /admin/v1/reviews/{review_id}/reply", body={"text": "谢谢"})
recipe("GET /v1/me/notifications", fills="notification")

# ---------------------------------------------------------------- coupons, points, members

recipe("POST /admin/v1/coupon-templates", body={
    "name": "Probe {unique}", "kind": "amount_off", "amount_off_fen": 500, "min_spend_fen": 2000, "quota": 100,
    "per_user_limit": 2, "valid_days_after_claim": 7, "product_ids": ["{product_id}"],
    "category_ids": ["{category_id}"]})
recipe("PATCH /admin/v1/coupon-templates/{template_id}", body={"add_quota": 10, "public": True})
recipe("POST /admin/v1/coupon-templates/{template_id}/issues", body={"batch_id": "{unique}", "user_ids": ["{user_id}"]})
recipe("GET /admin/v1/coupon-templates", fills="template_id")
recipe("GET /v1/coupons/center", fills="template_id")
recipe("POST /v1/coupon-templates/{template_id}/claim", headers={NEW_KEY: "{unique}"})
recipe("GET /v1/me/coupons", fills="coupon_id")
recipe("POST /v1/me/check-ins", caller="fresh")
recipe("POST /v1/me/shares", body={"share_id": "{unique}", "page": "/pages/product/index"})
recipe("POST /v1/me/points/exchanges", headers={NEW_KEY: "{unique}"}, body={"template_id": "{points_template_id}"})
recipe("GET /v1/me/points", fills="points_entry", items="ledger")

# ---------------------------------------------------------------- bargains, flash sales, analytics

recipe("POST /admin/v1/bargains", body={"sku_id": "{sku_id}", "floor_price_fen": 200, "helpers_needed": 2,
                                        "duration_seconds": 3600, "stock": 3})
recipe("GET /admin/v1/bargains", fills="bargain_id")
recipe("GET /v1/bargains", fills="bargain_id")
recipe("GET /admin/v1/bargains/{bargain_id}/sessions", fills="session_id")
recipe("GET /v1/me/bargain-sessions", fills="session_id")
recipe("GET /v1/bargain-sessions/{session_id}", shared="friends open a shared bargain link")
recipe("POST /v1/bargain-sessions/{session_id}/helps", caller="friend", shared="friends cut the price")
recipe("POST /admin/v1/flash-sales", body={"sku_id": "{sku_id}", "price_fen": 600, "stock": 3, "per_user_limit": 1,
                                           "starts_at": "{now+600}", "ends_at": "{now+4200}"})
recipe("GET /admin/v1/flash-sales", fills="sale_id")
recipe("GET /v1/flash-sales", fills="sale_id")
recipe("GET /v1/flash-sessions", fills="sale_id")
ANALYTICS = {"kind": "campaign_kind", "campaign_id": "analytics_campaign_id"}
recipe("GET /admin/v1/campaigns/{kind}/{campaign_id}/stats", params=ANALYTICS,
       foreign="counters are kept per (caller's shop, kind, id): a foreign id reads the caller's own zeros")
recipe("POST /v1/campaigns/{kind}/{campaign_id}/shares", params=ANALYTICS,
       foreign="a share is counted under the caller's own shop, whatever the id (see the report)")

# ---------------------------------------------------------------- group buys

recipe("POST /admin/v1/group-buys", body={"sku_id": "{sku_id}", "group_price_fen": 700, "group_size": 3,
                                          "duration_seconds": 7200})
recipe("GET /admin/v1/group-buys", fills="activity_id")
recipe("GET /admin/v1/group-buys/{activity_id}/groups", fills="group_id")
recipe("GET /v1/group-buys/{activity_id}/groups", fills="group_id")
recipe("GET /v1/me/groups", fills="group_id")
recipe("GET /admin/v1/group-refund-issues",
       unfilled="an item is a refund that failed all its retries: tests/integration/test_group_buy.py makes them")
recipe("POST /v1/group-buys/{activity_id}/groups", headers={NEW_KEY: "{unique}"},
       body={"delivery": {"type": "pickup", "store_id": "{store_id}"}, "note": "leader"})
recipe("POST /v1/groups/{group_id}/join", headers={NEW_KEY: "{unique}"}, caller="friend",
       shared="friends join the leader's group from the share card",
       body={"delivery": {"type": "express", "address": ADDRESS}})
recipe("GET /v1/groups/{group_id}", shared="the share card: friends open the leader's group")

# ---------------------------------------------------------------- red packets

RED_PACKET = {"campaign_id": "red_packet_campaign_id"}
recipe("POST /admin/v1/red-packet-campaigns", body={
    "name": "Packets {unique}", "description": "拆红包", "image": IMAGE, "assists_needed": 3, "prize_kind": "coupon",
    "budget": 10000, "winners": 100, "min_prize": 100, "max_prize": 500, "coupon_min_spend_fen": 1000})
recipe("GET /admin/v1/red-packet-campaigns", fills="red_packet_campaign_id")
recipe("GET /v1/red-packet-campaigns", fills="red_packet_campaign_id")
recipe("GET /admin/v1/red-packet-campaigns/{campaign_id}", params=RED_PACKET)
recipe("GET /v1/red-packet-campaigns/{campaign_id}", params=RED_PACKET)
recipe("POST /admin/v1/red-packet-campaigns/{campaign_id}/end", params=RED_PACKET)
recipe("GET /admin/v1/red-packet-campaigns/{campaign_id}/packets", params=RED_PACKET, fills="packet_id")
recipe("POST /v1/red-packet-campaigns/{campaign_id}/packets", params=RED_PACKET)
recipe("GET /v1/me/red-packets", fills="packet_id")
recipe("GET /v1/red-packets/{packet_id}", shared="friends open the shared red packet")
recipe("POST /v1/red-packets/{packet_id}/assists", caller="friend", shared="friends assist the owner's red packet")

# ---------------------------------------------------------------- discount pools (社交立减金)

DISCOUNT_RULE = {"rule_id": "discount_rule_id"}
recipe("POST /admin/v1/discount-pool-rules", body={
    "name": "Pool {unique}", "description": "分享立减", "min_paid_fen": 0, "pool_size": 500, "pool_seconds": 3600,
    "buyer_may_claim": True, "amount_off_fen": 200, "min_spend_fen": 1000, "product_ids": ["{product_id}"],
    "coupon_valid_days": 7, "starts_at": "{now-60}", "ends_at": "{now+86400}"})
recipe("GET /admin/v1/discount-pool-rules", fills="discount_rule_id")
recipe("GET /admin/v1/discount-pool-rules/{rule_id}", params=DISCOUNT_RULE)
recipe("POST /admin/v1/discount-pool-rules/{rule_id}/end", params={"rule_id": "spare_discount_rule_id"})
recipe("GET /admin/v1/discount-pool-rules/{rule_id}/pools", params=DISCOUNT_RULE, fills="pool_id")
recipe("GET /v1/orders/{order_id}/discount-pool", params={"order_id": "pool_order_id"})
recipe("GET /v1/me/discount-pools", fills="pool_id")
recipe("GET /v1/discount-pools/{pool_id}", shared="friends open the buyer's shared pool")
recipe("POST /v1/discount-pools/{pool_id}/claims", caller="friend", shared="friends claim vouchers from the buyer's pool")

# ---------------------------------------------------------------- gift vouchers (礼券赠送)

VOUCHER_PRODUCT = {"product_id": "voucher_product_id"}
VOUCHER_ORDER = {"order_id": "voucher_order_id"}
recipe("PUT /admin/v1/gift-voucher-products/{product_id}", params=VOUCHER_PRODUCT,
       body={"valid_days": 365, "share_seconds": 86400, "redeem_product_ids": ["{product_id}"]})
recipe("GET /admin/v1/gift-voucher-products/{product_id}", params=VOUCHER_PRODUCT)
recipe("GET /admin/v1/orders/{order_id}/gift-vouchers", params=VOUCHER_ORDER)
recipe("GET /v1/orders/{order_id}/gift-vouchers", params=VOUCHER_ORDER)
UNPAGED["GET /admin/v1/orders/{order_id}/gift-vouchers"] = "one order's vouchers: one per unit of its voucher lines"
UNPAGED["GET /v1/orders/{order_id}/gift-vouchers"] = "one order's vouchers: one per unit of its voucher lines"
recipe("POST /admin/v1/gift-voucher-redemptions", body={"code": "{gift_code}", "store_id": "{store_id}"})
recipe("GET /v1/me/gift-vouchers", fills="voucher_id")
recipe("POST /v1/gift-vouchers/{voucher_id}/send", body={"message": "生日快乐"})
recipe("POST /v1/gift-vouchers/{voucher_id}/take-back", params={"voucher_id": "sent_voucher_id"})
recipe("POST /v1/gift-voucher-shares/open", body={"token": "{gift_token}"})
recipe("POST /v1/gift-voucher-claims", body={"token": "{gift_token}"})

# ---------------------------------------------------------------- referral commissions (分销)

PROMOTER, APPLICANT = {"user_id": "promoter_id"}, {"user_id": "applicant_id"}
recipe("PUT /admin/v1/referral/program", isolated="switches the shop's referral programme and its rules",
       body={"level1_rate_bp": 800, "level2_rate_bp": 200, "approval_required": True, "binding_days": 30,
             "new_shoppers_only": True, "min_withdrawal_fen": 100, "share_title": "好物推荐", "share_image_url": IMAGE})
recipe("GET /admin/v1/referral/promoters", fills="applicant_id")
recipe("GET /admin/v1/referral/promoters/{user_id}", params=PROMOTER)
recipe("POST /admin/v1/referral/promoters/{user_id}/approve", params=APPLICANT)
recipe("POST /admin/v1/referral/promoters/{user_id}/reject", params=APPLICANT)
recipe("GET /admin/v1/referral/withdrawals", fills="withdrawal_id")
recipe("POST /admin/v1/referral/withdrawals/{withdrawal_id}/approve", body={"note": "paid by bank transfer"})
recipe("POST /admin/v1/referral/withdrawals/{withdrawal_id}/reject", body={"note": "details missing"})
recipe("POST /v1/referral/promoters", caller="fresh",
       positive="needs the shop's programme switched on first: tests/integration/test_referral.py")
recipe("POST /v1/referral/bindings", caller="fresh", body={"promoter_id": "{promoter_id}"})
recipe("GET /v1/referral/share", positive="for approved promoters only: tests/integration/test_referral.py")
recipe("POST /v1/referral/shares", positive="for approved promoters only: tests/integration/test_referral.py")
recipe("GET /v1/me/referral/commissions", fills="commission_order_id")
recipe("GET /v1/me/referral/invitees", fills="invitee_id")
recipe("GET /v1/me/referral/withdrawals", fills="withdrawal_id")
recipe("POST /v1/me/referral/withdrawals", headers={NEW_KEY: "{withdrawal_key}"}, body={"amount_fen": 100})

# ---------------------------------------------------------------- lotteries (抽奖)

recipe("POST /admin/v1/lotteries", body={
    "name": "Lottery {unique}", "description": "转盘", "starts_at": "{now-60}", "ends_at": "{now+86400}",
    "initial_entries": 1, "check_in_entries": 1, "order_entries": 1, "share_entries": 1, "share_daily_cap": 3,
    "share_title": "来抽奖", "share_image_url": IMAGE, "prizes": [
        {"name": "满减券", "kind": "coupon", "template_id": "{template_id}", "probability_ppm": 100000, "stock": 10,
         "image_url": IMAGE},
        {"name": "10 积分", "kind": "points", "points": 10, "probability_ppm": 300000, "stock": 100, "image_url": IMAGE},
        {"name": "谢谢参与", "kind": "thanks", "probability_ppm": 600000, "image_url": IMAGE}]})
recipe("GET /admin/v1/lotteries", fills="lottery_id")
recipe("GET /v1/lotteries", fills="lottery_id")
recipe("GET /admin/v1/lotteries/{lottery_id}/winners", fills="lottery_draw_id")
recipe("POST /v1/lotteries/{lottery_id}/draws", headers={NEW_KEY: "{unique}"})
recipe("POST /v1/lotteries/{lottery_id}/shares", body={"share_id": "{unique}"})

# ---------------------------------------------------------------- card collecting (集卡)

ALBUM = {"owner_id": "album_owner_id"}
recipe("POST /admin/v1/card-sets", body={
    "name": "Cards {unique}", "description": "集五福", "starts_at": "{now-60}", "ends_at": "{now+86400}",
    "kinds": [{"name": "富强", "weight": 40, "image_url": IMAGE}, {"name": "敬业", "weight": 5, "image_url": IMAGE}],
    "prize": {"name": "满减券", "kind": "coupon", "template_id": "{template_id}", "image_url": IMAGE}, "prize_stock": 10,
    "initial_draws": 1, "assist_draws": 1, "assists_cap": 5, "order_draws": 1, "share_draws": 1, "share_daily_cap": 3,
    "gift_hours": 24, "share_title": "一起集卡", "share_image_url": IMAGE})
recipe("GET /admin/v1/card-sets", fills="set_id")
recipe("GET /v1/card-sets", fills="set_id")
recipe("GET /admin/v1/card-sets/{set_id}/redemptions", fills="card_redeemer_id")
recipe("POST /v1/card-sets/{set_id}/draws", headers={NEW_KEY: "{unique}"})
recipe("POST /v1/card-sets/{set_id}/redemptions", params={"set_id": "full_set_id"})
recipe("GET /v1/card-sets/{set_id}/albums/{owner_id}", params=ALBUM, caller="friend",
       shared="friends open a shared album")
recipe("POST /v1/card-sets/{set_id}/albums/{owner_id}/assists", params=ALBUM, caller="friend",
       shared="friends help the owner's album")
recipe("POST /v1/card-sets/{set_id}/gifts", body={"kind_id": "{duplicate_kind}"})
recipe("GET /v1/card-gifts/{gift_id}", caller="friend", shared="friends open a gift's shared link")
recipe("POST /v1/card-gifts/{gift_id}/claim", caller="friend", shared="a friend claims the giver's gift")
recipe("POST /v1/card-sets/{set_id}/shares", body={"share_id": "{unique}"})
