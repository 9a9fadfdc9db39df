"""Helpers for concurrency tests: run callables on many threads released at once."""
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

import pytest

from crowdcart.clock import now
from crowdcart.db.models.shops import Shopper
from crowdcart.ids import new_id


def race(calls: List[Callable[[], Any]], threads: int = 0) -> List[Any]:
    """Run every call on its own thread, all released by one barrier; returns results or exceptions."""
    threads = threads or len(calls)
    barrier = threading.Barrier(min(threads, len(calls)))

    def run(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            return call()
        except Exception as exc:  # collected and asserted on by the test
            return exc

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, calls))


def make_shoppers(shop_id: str, count: int) -> List[str]:
    """`count` shopper profiles written in one batch; returns their user ids."""
    ids = [new_id() for _ in range(count)]
    with Shopper.batch_write() as batch:
        for user_id in ids:
            batch.save(Shopper(*Shopper.key(shop_id, user_id), shop_id=shop_id, user_id=user_id,
                               openid=f"o-{user_id}", created_at=now()))
    return ids


@pytest.fixture
def racer():
    """The `race` helper as a fixture."""
    return race
