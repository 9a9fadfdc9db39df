"""Background loops of the local runner: the same handlers AWS triggers, called on one machine.

- every `@schedule` handler (sweepers), every CROWDCART_SWEEP_SECONDS (default 5 s) instead of
  its AWS rate, so local timeouts show up quickly;
- further loops (stream consumer, state-machine engine) register in LOOPS.
Each loop waits on the runner's stop event (never a plain sleep), so it returns as soon as the event is set;
an error while stopping (DynamoDB Local going away under a request) ends the loop without a traceback.
"""
import os
import threading
from typing import Any, Callable, List, Tuple

from chalice.app import ScheduledEventConfig

from crowdcart.observability import logger

LOOPS: List[Tuple[str, Callable[[Any, threading.Event], None]]] = []


def loop(name: str) -> Callable:
    """Register a loop function `(app, stop)`."""

    def register(func: Callable[[Any, threading.Event], None]) -> Callable:
        LOOPS.append((name, func))
        return func

    return register


def failed(stop: threading.Event, message: str, **extra: Any) -> None:
    """Log the current exception with its stack, unless the runner is stopping (then it is expected)."""
    if not stop.is_set():
        logger.exception(message, extra=extra)


def _schedule_event(name: str) -> dict:
    return {"version": "0", "id": "local", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": "", "region": "local", "resources": [f"local/{name}"], "detail": {}}


@loop("schedules")
def run_schedules(app: Any, stop: threading.Event) -> None:
    """Call every scheduled handler periodically until stopped; errors are logged, never fatal."""
    interval = float(os.environ.get("CROWDCART_SWEEP_SECONDS", "5"))
    names = [s.name for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
    while not stop.wait(interval):
        for name in names:
            if stop.is_set():
                return
            try:
                app.handler_map[name](_schedule_event(name), None)
            except Exception:  # keep the runner alive; the next round retries
                failed(stop, "scheduled handler failed", handler=name)


def start_all(app: Any, stop: threading.Event) -> List[threading.Thread]:
    """Start every registered loop on a daemon thread."""
    threads = []
    for name, func in LOOPS:
        thread = threading.Thread(target=func, args=(app, stop), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _stream_event(records: List[dict], stream_arn: str) -> dict:
    """Shape DynamoDB Streams GetRecords output like the Lambda event source does."""
    for record in records:
        record.setdefault("awsRegion", "local")
        record["eventSourceARN"] = stream_arn
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if hasattr(created, "timestamp"):
            record["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
    return {"Records": records}


@loop("stream")
def run_stream(app: Any, stop: threading.Event) -> None:
    """Poll DynamoDB Local's table stream and hand each batch to the stream consumer handler."""
    import boto3

    handler = app.handler_map.get("on_table_change")
    if handler is None:
        return
    endpoint, table = os.environ["CROWDCART_DYNAMODB_ENDPOINT"], os.environ["CROWDCART_TABLE"]
    ddb = boto3.client("dynamodb", endpoint_url=endpoint)
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint)
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    iterators: dict = {}
    while not stop.is_set():
        try:
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                shard_id = shard["ShardId"]
                if shard_id not in iterators:
                    iterators[shard_id] = streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                if iterators[shard_id] is None:
                    continue
                page = streams.get_records(ShardIterator=iterators[shard_id], Limit=100)
                if page["Records"]:
                    handler(_stream_event(page["Records"], arn), None)
                iterators[shard_id] = page.get("NextShardIterator")
        except Exception:  # keep polling; reactions are idempotent, so a retried batch is harmless
            failed(stop, "stream poll failed")
            iterators.clear()
        stop.wait(0.5)


from local import stepfunctions  # noqa: E402,F401 - registers the state-machine engine's loop
