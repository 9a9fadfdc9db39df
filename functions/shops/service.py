"""Shop creation, settings and staff keys."""
from typing import Any, Dict, List, Tuple

from pydantic import ValidationError

from crowdcart.auth.apikeys import new_staff_key
from crowdcart.clock import iso, now
from crowdcart.db.connection import Entity
from crowdcart.db.models.shops import Shop, StaffKey
from crowdcart.db.writes import Transaction
from crowdcart.domain.shop_settings import ShopSettings, effective
from crowdcart.errors import Unprocessable, not_found
from crowdcart.ids import new_id
from crowdcart.observability import business_event
from pynamodb.exceptions import DoesNotExist


def create_shop(name: str) -> Dict[str, str]:
    """Create a shop and its owner key in one transaction; the key is returned once."""
    shop_id, created = new_id(), now()
    shop = Shop.new(shop_id, name, created)
    plain, owner = new_staff_key(shop_id, "owner", created, label="owner")
    tx = Transaction()
    tx.put("shop", shop, Shop.PK.does_not_exist())
    tx.put("staff_key", owner, StaffKey.PK.does_not_exist())
    tx.commit()
    business_event("ShopCreated", shop_id=shop_id)
    return {"shop_id": shop_id, "api_key": plain}


def load_shop(shop_id: str) -> Shop:
    """The shop record; 404 when it does not exist."""
    try:
        return Shop.get(*Shop.key(shop_id))
    except DoesNotExist as exc:
        raise not_found("shop", shop_id) from exc


def shop_view(shop: Shop) -> Dict[str, Any]:
    """What a merchant sees of their shop."""
    return {"shop_id": shop.shop_id, "name": shop.name, "created_at": iso(shop.created_at),
            "settings": effective(shop.settings).model_dump(),
            "wechat": {k: v for k, v in shop.wechat.items() if k != "app_secret"}}


def update_settings(shop_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Merge `changes` into the shop's settings after validating the result."""
    shop = load_shop(shop_id)
    merged = dict(shop.settings or {}, **changes)
    try:
        valid = ShopSettings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise Unprocessable("validation_error", f"{field}: {first['msg']}", field=field) from exc
    _require_templates(shop_id, _template_refs(changes))
    stored = valid.model_dump(exclude_unset=False)
    shop.update(actions=[Shop.settings.set(stored)])
    return stored


def _template_refs(changes: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(field, template id) of every coupon template the changed settings name."""
    refs = [(name, value) for name, value in changes.items() if name.endswith("coupon_template_id") and value]
    for index, level in enumerate(changes.get("member_levels") or []):
        refs += [(f"member_levels.{index}.coupon_template_ids", t) for t in level.get("coupon_template_ids") or []]
    return refs


def _require_templates(shop_id: str, refs: List[Tuple[str, str]]) -> None:
    """422 naming the field when a referenced coupon template is not one of this shop's."""
    if not refs:
        return
    from crowdcart.db.models.coupons import CouponTemplate

    wanted = {template: CouponTemplate.key(shop_id, template) for _, template in refs}
    found = {(item.PK, item.SK) for item in Entity.batch_get(list(dict.fromkeys(wanted.values())))}
    for field, template in refs:
        if wanted[template] not in found:
            raise Unprocessable("validation_error", f"{field}: no coupon template {template} in this shop", field=field)


def update_wechat(shop_id: str, config: Dict[str, Any]) -> Dict[str, Any]:
    """Store the shop's mini-program / merchant account identifiers."""
    shop = load_shop(shop_id)
    merged = dict(shop.wechat or {}, **{k: v for k, v in config.items() if v is not None})
    shop.update(actions=[Shop.wechat.set(merged)])
    return {k: v for k, v in merged.items() if k != "app_secret"}


def add_staff_key(shop_id: str, role: str, label: str) -> Dict[str, str]:
    """Create another staff key; the plain key is returned once."""
    plain, record = new_staff_key(shop_id, role, now(), label=label)
    record.save(condition=StaffKey.PK.does_not_exist())
    return {"key_id": record.key_id, "role": role, "label": label, "api_key": plain}


def list_staff_keys(shop_id: str) -> List[Dict[str, Any]]:
    """The shop's staff keys (never the keys themselves)."""
    pk, _ = Shop.key(shop_id)
    return [{"key_id": k.key_id, "role": k.role, "label": k.label, "created_at": iso(k.created_at),
             "revoked": k.revoked}
            for k in StaffKey.query(pk, StaffKey.SK.startswith("KEY#"))]
