"""Coupon templates (merchant), the coupon center, claims, merchant issues and the shopper's wallet."""
from typing import Any, Dict, List, Optional

from crowdcart.clock import iso, now
from crowdcart.db import keys
from crowdcart.db.models.catalog import Category, Product
from crowdcart.db.models.coupons import CouponTemplate
from crowdcart.db.writes import ConditionFailed, put_unique, update_if
from crowdcart.domain import coupons as rules
from crowdcart.errors import BadRequest, Conflict, CrowdcartError, not_found, validation_error
from crowdcart.ids import new_id
from crowdcart.pagination import encode_cursor
from crowdcart.rewards import birthdays
from crowdcart.rewards import coupons as wallet_store
from crowdcart.rewards.points import cursor_in


def _epoch(value: Any) -> Optional[int]:
    return int(value.timestamp()) if value is not None else None


def _categories(shop_id: str, wanted: List[str]) -> List[str]:
    """The named categories plus the sub-categories of any root among them; 422 for an unknown one."""
    if not wanted:
        return []
    tree = {c.category_id: c for c in Category.query(keys.scoped(shop_id, "CATEGORIES"),
                                                     Category.SK.startswith("CATEGORY#"))}
    unknown = [c for c in wanted if c not in tree]
    if unknown:
        raise validation_error("category_ids", f"no category {unknown[0]} in this shop")
    children = [c.category_id for c in tree.values() if c.parent_id in wanted]
    return list(dict.fromkeys(list(wanted) + children))


def _products(shop_id: str, wanted: List[str]) -> List[str]:
    """The named products; 422 for one that is not in this shop."""
    if not wanted:
        return []
    found = {p.product_id for p in Product.batch_get([Product.key(shop_id, p) for p in dict.fromkeys(wanted)])}
    unknown = [p for p in wanted if p not in found]
    if unknown:
        raise validation_error("product_ids", f"no product {unknown[0]} in this shop")
    return list(dict.fromkeys(wanted))


def _validity(body: Dict[str, Any], moment: int) -> Dict[str, Optional[int]]:
    valid_from, valid_until = _epoch(body.get("valid_from")), _epoch(body.get("valid_until"))
    days = body.get("valid_days_after_claim")
    if days and (valid_from or valid_until):
        raise validation_error("valid_days_after_claim", "give either fixed dates or days after claim, not both")
    if not days and not valid_until:
        raise validation_error("valid_until", "give valid_until (fixed dates) or valid_days_after_claim")
    if valid_until is not None and valid_until <= max(moment, valid_from or 0):
        raise validation_error("valid_until", "must be in the future and after valid_from")
    return {"valid_from": valid_from, "valid_until": valid_until, "valid_days_after_claim": days}


def create_template(shop_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """Create a coupon template; 422 naming the field for inconsistent maths, validity or targets."""
    moment = now()
    if body.get("kind") == "percent_off" and body.get("amount_off_fen"):
        raise validation_error("amount_off_fen", "a percent_off coupon takes percent_off, not amount_off_fen")
    if body.get("kind") != "percent_off" and (body.get("percent_off") or body.get("max_off_fen")):
        field = "percent_off" if body.get("percent_off") else "max_off_fen"
        raise validation_error(field, f"only a percent_off coupon takes {field}")
    try:
        rule = rules.rule_of(body["kind"], amount_off_fen=body.get("amount_off_fen") or 0,
                             percent_off=body.get("percent_off") or 0, max_off_fen=body.get("max_off_fen"),
                             min_spend_fen=body.get("min_spend_fen") or 0,
                             product_ids=tuple(_products(shop_id, body.get("product_ids") or [])),
                             category_ids=tuple(_categories(shop_id, body.get("category_ids") or [])),
                             stackable_with_member=body.get("stackable_with_member", True))
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise validation_error(field, message) from exc
    validity = _validity(body, moment)
    template_id = new_id()
    shown = bool(body.get("public", True) and body.get("enabled", True))
    template = CouponTemplate(*CouponTemplate.key(shop_id, template_id), template_id=template_id, shop_id=shop_id,
                              name=body["name"], description=body.get("description") or "", rule=rule,
                              quota=body["quota"], remaining=body["quota"], issued=0,
                              per_user_limit=body.get("per_user_limit", 1), public=body.get("public", True),
                              enabled=body.get("enabled", True), points_cost=body.get("points_cost"),
                              created_at=moment, **validity, **CouponTemplate.index_keys(shop_id, template_id, shown))
    put_unique("template", template)
    return template_view(template, merchant=True)


def template_view(template: CouponTemplate, merchant: bool = False) -> Dict[str, Any]:
    """A template as the coupon center (or, with stats, the merchant) shows it."""
    rule = template.rule or {}
    body: Dict[str, Any] = {
        "id": template.template_id, "name": template.name, "description": template.description,
        "kind": rule.get("kind"), "amount_off_fen": rule.get("amount_off_fen"), "percent_off": rule.get("percent_off"),
        "max_off_fen": rule.get("max_off_fen"), "min_spend_fen": rule.get("min_spend_fen"),
        "product_ids": rule.get("product_ids") or [], "category_ids": rule.get("category_ids") or [],
        "stackable_with_member": rule.get("stackable_with_member", True),
        "per_user_limit": int(template.per_user_limit), "points_cost": template.points_cost,
        "valid_from": iso(template.valid_from) if template.valid_from else None,
        "valid_until": iso(template.valid_until) if template.valid_until else None,
        "valid_days_after_claim": template.valid_days_after_claim,
        "sold_out": int(template.remaining) <= 0,
    }
    if merchant:
        body.update({"quota": int(template.quota), "remaining": int(template.remaining),
                     "claimed": int(template.issued or 0), "public": template.public, "enabled": template.enabled,
                     "created_at": iso(template.created_at)})
    return body


def get_template(shop_id: str, template_id: str) -> Dict[str, Any]:
    """A template with its stats: claimed (issued), used (right now) and remaining."""
    template = wallet_store.load_template(shop_id, template_id, consistent=True)
    body = template_view(template, merchant=True)
    body["stats"] = {"claimed": int(template.issued or 0), "used": wallet_store.used_count(shop_id, template_id),
                     "remaining": int(template.remaining), "quota": int(template.quota)}
    return body


def list_templates(shop_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's templates, newest first."""
    partition = CouponTemplate.list_partition(shop_id)
    page = CouponTemplate.gsi1.query(partition, scan_index_forward=False, limit=limit,
                                     last_evaluated_key=cursor_in(shop_id, cursor, "GSI1PK", partition))
    items = [template_view(t, merchant=True) for t in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def update_template(shop_id: str, template_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Switch a template on or off, show or hide it in the center, or add quota."""
    template = wallet_store.load_template(shop_id, template_id, consistent=True)
    enabled = changes["enabled"] if changes.get("enabled") is not None else template.enabled
    public = changes["public"] if changes.get("public") is not None else template.public
    index = CouponTemplate.index_keys(shop_id, template_id, bool(enabled and public))
    actions = [CouponTemplate.enabled.set(enabled), CouponTemplate.public.set(public),
               CouponTemplate.updated_at.set(now())]
    if index["GSI2PK"]:
        actions += [CouponTemplate.GSI2PK.set(index["GSI2PK"]), CouponTemplate.GSI2SK.set(index["GSI2SK"])]
    else:
        actions += [CouponTemplate.GSI2PK.remove(), CouponTemplate.GSI2SK.remove()]
    if changes.get("add_quota"):
        actions += [CouponTemplate.quota.add(changes["add_quota"]), CouponTemplate.remaining.add(changes["add_quota"])]
    try:  # the flags were read: write only if nobody changed them meanwhile
        update_if("template", CouponTemplate(*CouponTemplate.key(shop_id, template_id)), actions,
                  (CouponTemplate.enabled == template.enabled) & (CouponTemplate.public == template.public))
    except ConditionFailed as exc:
        raise Conflict("template_changed", "The template changed meanwhile; retry.") from exc
    return get_template(shop_id, template_id)


def issue_to_users(shop_id: str, template_id: str, batch_id: str, user_ids: List[str]) -> Dict[str, Any]:
    """The merchant gives one coupon to each listed shopper (once per batch and shopper)."""
    template = wallet_store.load_template(shop_id, template_id, consistent=True)
    results = []
    for user_id in dict.fromkeys(user_ids):
        try:
            coupon, created = wallet_store.issue(template, user_id, f"merchant:{template_id}:{batch_id}",
                                                 per_user_limit=False, require_user=True)
            results.append({"user_id": user_id, "result": "issued" if created else "already_issued",
                            "coupon_id": coupon.coupon_id})
        except CrowdcartError as exc:
            results.append({"user_id": user_id, "result": exc.code})
    return {"template_id": template_id, "batch_id": batch_id, "results": results,
            "issued": sum(1 for r in results if r["result"] == "issued")}


def center(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Claimable templates for this shopper, each with how many they hold of their limit."""
    moment = now()
    partition = CouponTemplate.center_partition(shop_id)
    page = CouponTemplate.gsi2.query(partition, scan_index_forward=False, limit=limit,
                                     last_evaluated_key=cursor_in(shop_id, cursor, "GSI2PK", partition))
    shown = [t for t in page if rules.claimable_until(t.valid_until, t.valid_days_after_claim) >= moment]
    claimed = wallet_store.claimed_counts(shop_id, user_id, [t.template_id for t in shown])
    items = []
    for template in shown:
        held, limit_ = claimed.get(template.template_id, 0), int(template.per_user_limit)
        body = template_view(template)
        body.update({"claimed": held, "limit": limit_, "claimed_label": f"{held}/{limit_}",
                     "can_claim": held < limit_ and int(template.remaining) > 0 and not template.points_cost})
        items.append(body)
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def claim(shop_id: str, user_id: str, template_id: str, idempotency_key: Optional[str]) -> Dict[str, Any]:
    """Claim one coupon from the center; the same Idempotency-Key returns the same coupon."""
    template = wallet_store.load_template(shop_id, template_id)
    if not template.public:
        raise not_found("coupon_template", template_id)
    if template.points_cost:
        raise Conflict("coupon_needs_points", "This coupon is obtained by exchanging points.",
                       points_cost=int(template.points_cost))
    if int(template.remaining) <= 0:  # cheap refusal; the claim itself is conditional anyway
        raise Conflict("coupon_sold_out", "This coupon has all been claimed.", template_id=template_id)
    cause = f"claim:{template_id}:{idempotency_key or new_id()}"
    coupon, created = wallet_store.issue(template, user_id, cause)
    return {"coupon_id": coupon.coupon_id, "coupon": wallet_store.coupon_view(coupon), "replayed": not created}


def my_coupons(shop_id: str, user_id: str, status: Optional[str], limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shopper's coupons by status (unused by default)."""
    status = status or rules.UNUSED
    if status not in rules.STATUSES:
        raise BadRequest("invalid_status", "status must be unused, used or expired.", field="status")
    items, next_cursor = wallet_store.wallet(shop_id, user_id, status, limit, cursor)
    return {"items": items, "next_cursor": next_cursor}


def my_coupon(shop_id: str, user_id: str, coupon_id: str) -> Dict[str, Any]:
    """One coupon of the shopper's wallet (404 for anyone else's)."""
    return wallet_store.coupon_view(wallet_store.get_coupon(shop_id, user_id, coupon_id))


def sweep_birthdays() -> int:
    """Issue birthday coupons whose window has opened."""
    return birthdays.sweep()
