"""Shopper login (first login creates the shopper) and profile."""
from typing import Any, Dict

from pynamodb.exceptions import DoesNotExist

from crowdcart.auth.tokens import issue_token
from crowdcart.auth.wechat_login import Code2Session
from crowdcart.clock import iso, now
from crowdcart.db.models.shops import OpenidLink, Shop, Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, update_if
from crowdcart.errors import Conflict, not_found
from crowdcart.ids import new_id
from crowdcart.observability import business_event


def _shop(shop_id: str) -> Shop:
    try:
        return Shop.get(*Shop.key(shop_id))
    except DoesNotExist as exc:
        raise not_found("shop", shop_id) from exc


def login(shop_id: str, code: str, code2session: Code2Session) -> Dict[str, Any]:
    """Exchange a wx.login code for our session token; the first login creates the shopper."""
    shop = _shop(shop_id)
    openid = code2session.openid(shop, code)
    link_pk, link_sk = OpenidLink.key(shop_id, openid)
    is_new = False
    try:
        user_id = OpenidLink.get(link_pk, link_sk).user_id
    except DoesNotExist:
        user_id, is_new = new_id(), True
        tx = Transaction()
        tx.put("openid_link", OpenidLink(link_pk, link_sk, user_id=user_id), OpenidLink.PK.does_not_exist())
        profile_pk, profile_sk = Shopper.key(shop_id, user_id)
        tx.put("shopper", Shopper(profile_pk, profile_sk, shop_id=shop_id, user_id=user_id, openid=openid,
                                  created_at=now()), Shopper.PK.does_not_exist())
        try:
            tx.commit()
        except ConditionFailed:  # a concurrent first login won the race
            user_id, is_new = OpenidLink.get(link_pk, link_sk, consistent_read=True).user_id, False
    if is_new:
        business_event("ShopperRegistered", shop_id=shop_id, user_id=user_id)
    token = issue_token(shop_id, user_id)
    return {"token": token["token"], "expires_at": token["expires_at"], "user": {"id": user_id, "is_new": is_new}}


def profile(shop_id: str, user_id: str) -> Dict[str, Any]:
    """The shopper's own profile."""
    try:
        user = Shopper.get(*Shopper.key(shop_id, user_id))
    except DoesNotExist as exc:
        raise not_found("user", user_id) from exc
    return _view(user)


def _view(user: Shopper) -> Dict[str, Any]:
    return {"id": user.user_id, "nickname": user.nickname, "avatar_url": user.avatar_url,
            "birthday": user.birthday, "phone": user.phone, "created_at": iso(user.created_at)}


def update_profile(shop_id: str, user_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Change nickname, avatar or phone; the birthday can be set once."""
    model = Shopper(*Shopper.key(shop_id, user_id))
    actions = [getattr(Shopper, k).set(v) for k, v in changes.items() if k != "birthday"]
    condition = None
    if changes.get("birthday"):
        actions.append(Shopper.birthday.set(changes["birthday"]))
        condition = Shopper.birthday.does_not_exist()
    if actions:
        try:
            update_if("profile", model, actions, condition)
        except ConditionFailed as exc:
            if condition is not None:
                raise Conflict("birthday_already_set", "The birthday can be set only once.") from exc
            raise not_found("user", user_id) from exc
    return profile(shop_id, user_id)
