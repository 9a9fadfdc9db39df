"""Read the real table stream of the test session's DynamoDB Local and run the consumer on one shop's records.

The stream is read once, incrementally (the next call continues where the last stopped), and kept in
memory; `drain(shop_id)` hands the consumer every record of that shop it has not had yet, in stream
order — what the local runner's poller does, limited to one test's tenant.
"""
import os
import threading
from typing import Any, Dict, List, Set

import boto3

from local.environment import dynamodb_client
from local.loops import _stream_event

_LOCK = threading.Lock()
_RECORDS: List[Dict[str, Any]] = []
_ITERATORS: Dict[str, Any] = {}
_DONE: Dict[str, Set[str]] = {}
_ARN: List[str] = []


def _read_new() -> None:
    client = dynamodb_client()
    if not _ARN:
        _ARN.append(client.describe_table(TableName=os.environ["CROWDCART_TABLE"])["Table"]["LatestStreamArn"])
    arn = _ARN[0]
    streams = boto3.client("dynamodbstreams", endpoint_url=client.meta.endpoint_url)
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        if shard_id not in _ITERATORS:
            _ITERATORS[shard_id] = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while _ITERATORS[shard_id]:
            page = streams.get_records(ShardIterator=_ITERATORS[shard_id], Limit=1000)
            _RECORDS.extend(page["Records"])
            _ITERATORS[shard_id] = page.get("NextShardIterator")
            if not page["Records"]:
                break


def records_of(shop_id: str, fresh_only: bool = True) -> List[Dict[str, Any]]:
    """This shop's stream records (those not drained yet, unless `fresh_only` is False), in order."""
    marker = f"SHOP#{shop_id}"
    with _LOCK:
        _read_new()
        done = _DONE.setdefault(shop_id, set())
        return [r for r in _RECORDS if r["dynamodb"]["Keys"]["PK"]["S"].startswith(marker)
                and not (fresh_only and r["dynamodb"]["SequenceNumber"] in done)]


def drain(shop_id: str, rounds: int = 5) -> int:
    """Run the stream consumer on this shop's new records until reactions cause no more; returns records run."""
    import app as application

    consumer = application.app.handler_map["on_table_change"]
    total = 0
    for _ in range(rounds):
        fresh = records_of(shop_id)
        if not fresh:
            break
        consumer(_stream_event([dict(r, dynamodb=dict(r["dynamodb"])) for r in fresh], _ARN[0]), None)
        with _LOCK:
            _DONE[shop_id].update(r["dynamodb"]["SequenceNumber"] for r in fresh)
        total += len(fresh)
    return total


def replay(shop_id: str) -> int:
    """Run the consumer again on every record of this shop (a redelivered stream); returns records run."""
    import app as application

    every = records_of(shop_id, fresh_only=False)
    application.app.handler_map["on_table_change"](
        _stream_event([dict(r, dynamodb=dict(r["dynamodb"])) for r in every], _ARN[0]), None)
    return len(every)
