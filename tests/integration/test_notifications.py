"""Order notifications come from the real table stream (DynamoDB Local), once per status change."""
import os

import boto3

import app as application
from local.environment import dynamodb_client
from local.loops import _stream_event
from tests.integration.test_order_lifecycle import mark_paid, place
from tests.fakes.catalog import make_sku


def stream_records_for(order_id):
    """Every stream record of the table that touches this order's item."""
    client = dynamodb_client()
    table = client.describe_table(TableName=os.environ["CROWDCART_TABLE"])
    arn = table["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", endpoint_url=client.meta.endpoint_url)
    found = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            found += [r for r in page["Records"] if order_id in r["dynamodb"]["Keys"]["PK"]["S"]]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return _stream_event(found, arn)


def test_status_changes_notify_the_shopper_once_each(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    order = place(api, shopper, sku)
    mark_paid(shop["shop_id"], order["id"])
    api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
             token=shop["api_key"])
    event = stream_records_for(order["id"])
    consumer = application.app.handler_map["on_table_change"]
    consumer(event, None)
    consumer(event, None)  # a redelivered batch changes nothing
    notes = api.get("/v1/me/notifications", token=shopper["token"]).body["items"]
    assert sorted(n["template"] for n in notes) == ["order_paid", "order_shipped"]
    assert notes[0]["template"] == "order_shipped"  # newest first
    assert {n["delivery"] for n in notes} == {"stored"}  # the sandbox delivers to the inbox only
    other = api.login(shop["shop_id"], "nobody")
    assert api.get("/v1/me/notifications", token=other["token"]).body["items"] == []
