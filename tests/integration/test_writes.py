"""The transaction wrapper: an unanswered request is re-sent with the same token and applied once; when several
conditions fail, the deciding one is reported."""
import pytest
from botocore.exceptions import ReadTimeoutError
from pynamodb.connection.base import Connection

from crowdcart.db.models.catalog import Sku
from crowdcart.db.writes import ConditionFailed, ServiceUnavailable, Transaction
from tests.fakes.catalog import make_sku, sku_stock


def _decrement(shop_id, sku_id):
    tx = Transaction()
    tx.update("stock", Sku(*Sku.key(shop_id, sku_id)), [Sku.stock.add(-1)], condition=Sku.stock >= 1)
    return tx


def test_a_timed_out_commit_is_resent_with_its_token_and_applies_once(shop, monkeypatch):
    sku = make_sku(shop["shop_id"], stock=5)
    real = Connection.dispatch
    calls = []

    def answer_lost(self, operation, kwargs):
        if operation != "TransactWriteItems":
            return real(self, operation, kwargs)
        calls.append(kwargs.get("ClientRequestToken"))
        result = real(self, operation, kwargs)  # DynamoDB applies it…
        if len(calls) == 1:
            raise ReadTimeoutError(endpoint_url="http://dynamodb")  # …but the answer never arrives
        return result

    monkeypatch.setattr(Connection, "dispatch", answer_lost)
    _decrement(shop["shop_id"], sku).commit()
    assert len(calls) == 2 and calls[0] == calls[1]
    assert sku_stock(shop["shop_id"], sku) == 4


def test_no_answer_at_all_is_a_503_not_a_500(shop, monkeypatch):
    sku = make_sku(shop["shop_id"], stock=5)

    real = Connection.dispatch

    def silent(self, operation, kwargs):
        if operation == "TransactWriteItems":
            raise ReadTimeoutError(endpoint_url="http://dynamodb")
        return real(self, operation, kwargs)

    monkeypatch.setattr(Connection, "dispatch", silent)
    with pytest.raises(ServiceUnavailable):
        _decrement(shop["shop_id"], sku).commit()


def _two_failures(shop_id, sku_id, existing, decides):
    """An update whose condition is false and a put-if-absent of an item that exists: both fail."""
    tx = Transaction()
    tx.update("state", Sku(*Sku.key(shop_id, sku_id)), [Sku.stock.add(-1)], condition=Sku.stock >= 99,
              decides=decides)
    tx.put("marker", Sku.get(*Sku.key(shop_id, existing)), Sku.PK.does_not_exist())
    return tx


@pytest.mark.parametrize("decides, label", [(False, "marker"), (True, "state")])
def test_when_several_conditions_fail_the_deciding_one_names_the_outcome(shop, decides, label):
    sku, existing = make_sku(shop["shop_id"], stock=5), make_sku(shop["shop_id"])
    with pytest.raises(ConditionFailed) as failed:
        _two_failures(shop["shop_id"], sku, existing, decides).commit()
    assert failed.value.label == label
    assert sorted(failed.value.labels) == ["marker", "state"] and failed.value.labels[0] == label
    assert sku_stock(shop["shop_id"], sku) == 5
