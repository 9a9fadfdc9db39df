"""Test helpers for coupons, points and membership: templates over the API, orders with rewards, grants."""
import uuid
from typing import Any, Dict, Optional

from crowdcart.rewards import points

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海",
           "detail": "人民大道 1 号"}
EXPRESS = {"type": "express", "address": dict(ADDRESS, district="")}


def template(api: Any, shop: Dict[str, str], **fields: Any) -> Dict[str, Any]:
    """Create a coupon template (default: 满 100 减 20, quota 100, 1 per shopper, 30 days from claim)."""
    body = {"name": "满100减20", "kind": "amount_off", "amount_off_fen": 2000, "min_spend_fen": 10000, "quota": 100,
            "per_user_limit": 1, "valid_days_after_claim": 30}
    body.update(fields)
    reply = api.post("/admin/v1/coupon-templates", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body


def claim(api: Any, shopper: Dict[str, Any], template_id: str, key: Optional[str] = None) -> Any:
    """POST the claim; returns the reply."""
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"/v1/coupon-templates/{template_id}/claim", token=shopper["token"], headers=headers)


def order(api: Any, shopper: Dict[str, Any], sku_id: str, quantity: int = 1, coupon_id: Optional[str] = None,
          points_to_use: int = 0, key: Optional[str] = None) -> Any:
    """POST /v1/orders; returns the reply."""
    body: Dict[str, Any] = {"items": [{"sku_id": sku_id, "quantity": quantity}], "delivery": EXPRESS}
    if coupon_id:
        body["coupon_id"] = coupon_id
    if points_to_use:
        body["points_to_use"] = points_to_use
    return api.post("/v1/orders", body, token=shopper["token"], headers={"Idempotency-Key": key or str(uuid.uuid4())})


def settings(api: Any, shop: Dict[str, str], **values: Any) -> Dict[str, Any]:
    """PUT some shop settings."""
    reply = api.put("/admin/v1/settings", values, token=shop["api_key"])
    assert reply.status == 200, reply.body
    return reply.body["settings"]


def grant_points(shop_id: str, user_id: str, amount: int, cause: Optional[str] = None) -> None:
    """Credit points through the ledger (as an earning rule would)."""
    assert points.move(shop_id, user_id, cause or f"test:{uuid.uuid4()}", amount, "test")


def ship_and_receive(api: Any, shop: Dict[str, str], shopper: Dict[str, Any], order_id: str) -> None:
    """Merchant ships a paid order, the shopper confirms receipt."""
    shipped = api.post(f"/admin/v1/orders/{order_id}/ship", {"carrier": "SF", "tracking_no": "SF1234567"},
                       token=shop["api_key"])
    assert shipped.status == 200, shipped.body
    received = api.post(f"/v1/orders/{order_id}/confirm-receipt", token=shopper["token"])
    assert received.status == 200, received.body


def ledger_sum(shop_id: str, user_id: str) -> int:
    """The sum of every ledger entry (must equal the balance)."""
    return sum(int(e.points) for e in points.all_entries(shop_id, user_id))
