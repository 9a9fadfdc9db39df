"""Gift-voucher claims and redemptions under contention, against DynamoDB Local: exactly one winner."""
import pytest

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.coupons import Coupon
from crowdcart.db.models.gift_vouchers import GiftCode, GiftVoucher
from crowdcart.errors import Conflict
from crowdcart.ids import new_id
from crowdcart.reactions.gift_vouchers import create_vouchers, voucher_id_for
from crowdcart.rewards import coupons
from functions.giftvoucher import service
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku

pytestmark = pytest.mark.concurrency


def make_voucher(shop_id, buyer):
    """One paid voucher, made by the reaction from an order image as the stream would deliver it."""
    sku = Sku.get(*Sku.key(shop_id, make_sku(shop_id, price_fen=8800, kind="voucher")))
    order_id = new_id()
    create_vouchers({"shop_id": shop_id, "order_id": order_id, "user_id": buyer, "paid_at": now(),
                     "lines": [{"sku_id": sku.sku_id, "product_id": sku.product_id, "title": sku.product_title,
                                "kind": "voucher", "unit_price_fen": 8800, "quantity": 1}]})
    return voucher_id_for(shop_id, order_id, sku.sku_id, 0)


def test_20_friends_opening_one_gift_at_once_make_exactly_one_claimant(shop):
    shop_id = shop["shop_id"]
    (buyer,) = make_shoppers(shop_id, 1)
    voucher_id = make_voucher(shop_id, buyer)
    token = service.send(shop_id, voucher_id, buyer, None)["share_token"]
    friends = make_shoppers(shop_id, 20)
    results = race([lambda f=f: service.claim(shop_id, token, f) for f in friends])
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (dict, Conflict))] == []
    assert len(won) == 1 and len(lost) == 19
    assert {r.code for r in lost} == {"gift_voucher_claimed"}
    voucher = GiftVoucher.get(*GiftVoucher.key(shop_id, voucher_id), consistent_read=True)
    assert voucher.status == "claimed" and voucher.holder_id == won[0]["holder_id"]
    holders = [f for f in friends if coupons.find_coupon(
        shop_id, f, coupons.coupon_id_for(shop_id, f, f"gift_voucher:{voucher_id}"))]
    assert holders == [voucher.holder_id]
    codes = list(GiftCode.query(GiftCode.key(shop_id, voucher.code)[0], consistent_read=True))
    assert [c.voucher_id for c in codes] == [voucher_id]


def test_ten_cashiers_verifying_one_code_at_once_redeem_it_once(shop):
    shop_id = shop["shop_id"]
    buyer, friend = make_shoppers(shop_id, 2)
    voucher_id = make_voucher(shop_id, buyer)
    claimed = service.claim(shop_id, service.send(shop_id, voucher_id, buyer, None)["share_token"], friend)
    results = race([lambda: service.redeem_in_store(shop_id, claimed["code"], None) for _ in range(10)])
    assert sum(isinstance(r, dict) for r in results) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"gift_voucher_redeemed"}
    coupon = Entity.get(*Coupon.key(shop_id, friend, claimed["coupon_id"]), consistent_read=True)
    assert coupon.status == "used" and coupon.used_order_id == f"store:{voucher_id}"
