"""Test factories for orders exactly as checkout writes them, and the WeChat Pay sandbox fixture.

`make_pending_order` writes, in one core Transaction, the order (status pending_payment, GSI keys
from Order.index_keys, DUE keys for the pay timeout), its `created` event, and the stock decrements.
"""
from typing import Iterable, List, Optional, Tuple

import pytest

from crowdcart.clock import now
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.orders import Order, OrderEvent, order_pk
from crowdcart.db.models.shops import Shopper
from crowdcart.db.orders import event
from crowdcart.db.writes import Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.ids import new_id
from crowdcart.payments import secrets as pay_secrets
from crowdcart.payments.sandbox import controls

PAY_TIMEOUT_DUE = "DUE#pay_timeout"


def make_sku(shop_id: str, stock: int = 10, price_fen: int = 1000) -> str:
    """A SKU (its own partition, as checkout reads it); returns its id."""
    sku_id = new_id()
    Sku(*Sku.key(shop_id, sku_id), sku_id=sku_id, product_id=new_id(), product_title=f"Tea {sku_id[-4:]}",
        spec="500g", price_fen=price_fen, stock=stock).save()
    return sku_id


def make_shopper(shop_id: str) -> str:
    """A shopper profile with an openid; returns the user id."""
    user_id = new_id()
    Shopper(*Shopper.key(shop_id, user_id), shop_id=shop_id, user_id=user_id, openid=f"o-{user_id}",
            created_at=now()).save()
    return user_id


def make_pending_order(shop_id: str, user_id: str, items: Iterable[Tuple[str, int]],
                       deadline_in: int = 900) -> Order:
    """A pending order for `items` [(sku_id, quantity)], stock taken, as checkout writes it."""
    order_id, created = new_id(), now()
    deadline = created + deadline_in
    lines: List[dict] = []
    for sku_id, quantity in items:
        sku = Sku.get(*Sku.key(shop_id, sku_id), consistent_read=True)
        lines.append({"sku_id": sku_id, "product_id": sku.product_id, "title": sku.product_title, "spec": sku.spec,
                      "image": sku.image, "kind": sku.kind, "unit_price_fen": int(sku.price_fen),
                      "quantity": quantity, "paid_fen": int(sku.price_fen) * quantity})
    goods = sum(line["paid_fen"] for line in lines)
    order = Order(*Order.key(shop_id, order_id), order_id=order_id, shop_id=shop_id, user_id=user_id,
                  status=states.PENDING_PAYMENT, lines=lines, pricing={"lines": lines}, goods_fen=goods,
                  discount_fen=0, shipping_fen=0, payable_fen=goods, delivery={"type": "express", "address": {}},
                  request_hash="test", created_at=created, pay_deadline_at=deadline,
                  DUEPK=PAY_TIMEOUT_DUE, DUESK=f"{deadline:010d}#{shop_id}#{order_id}",
                  **Order.index_keys(shop_id, user_id, order_id, states.PENDING_PAYMENT, created))

    def build() -> Transaction:
        tx = Transaction()
        for line in lines:
            tx.update(f"stock:{line['sku_id']}", Sku(*Sku.key(shop_id, line["sku_id"])),
                      [Sku.stock.add(-line["quantity"]), Sku.sales.add(line["quantity"])],
                      condition=Sku.stock >= line["quantity"])
        tx.put("order", order, Order.PK.does_not_exist())
        tx.put("event", event(shop_id, order_id, "created", f"user:{user_id}", None, states.PENDING_PAYMENT,
                              {"payable_fen": goods}, at=created))
        return tx

    run_transaction(build)
    return order


def load_order(shop_id: str, order_id: str) -> Order:
    """The order, read consistently."""
    return Order.get(*Order.key(shop_id, order_id), consistent_read=True)


def order_events(shop_id: str, order_id: str, kind: Optional[str] = None) -> List[OrderEvent]:
    """The order's events (optionally of one type), read consistently."""
    found = OrderEvent.query(order_pk(shop_id, order_id), OrderEvent.SK.startswith("EVENT#"), consistent_read=True)
    return [e for e in found if kind is None or e.type == kind]


def stock(shop_id: str, sku_id: str) -> int:
    """A SKU's stock, read consistently."""
    return int(Sku.get(*Sku.key(shop_id, sku_id), consistent_read=True).stock)


@pytest.fixture
def wechat_sandbox():
    """In-memory WeChat Pay secrets for this process, and the simulator back at its defaults."""
    if not isinstance(pay_secrets.store(), pay_secrets.MemoryStore):
        pay_secrets.use_store(pay_secrets.MemoryStore())
    controls.reset()
    yield controls
    controls.reset()
