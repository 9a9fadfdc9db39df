"""Membership views: the level pricing applies, cumulative spend, the next level and the gap."""
from typing import Any, Dict

from pynamodb.exceptions import DoesNotExist

from crowdcart.db.models.shops import Shop, Shopper
from crowdcart.domain import members as rules
from crowdcart.domain.shop_settings import effective
from crowdcart.errors import not_found
from crowdcart.rewards import members


def membership(shop_id: str, user_id: str) -> Dict[str, Any]:
    """The shopper's membership; 404 for a shopper this shop does not have."""
    try:
        shop = Shop.get(*Shop.key(shop_id))
        profile = Shopper.get(*Shopper.key(shop_id, user_id))
    except DoesNotExist as exc:
        raise not_found("user", user_id) from exc
    levels = rules.levels_from(effective(shop.settings).member_levels)
    return dict(members.view(shop_id, user_id, levels, profile), user_id=user_id)
