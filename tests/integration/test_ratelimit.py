"""The core rate limiter against DynamoDB Local: fixed windows, per subject, exact under threads, TTL."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from crowdcart.errors import TooManyRequests
from crowdcart.ids import new_id
from crowdcart.ratelimit import Limit, RateCounter, hit, hit_all

LIMIT = Limit("test", max_hits=3, window_seconds=10)


def test_a_subject_gets_max_hits_per_window_then_429_and_the_next_window_starts_afresh():
    shop_id, at = new_id(), 1_700_000_000
    for _ in range(3):
        hit(shop_id, LIMIT, "user", "u1", at=at)
    with pytest.raises(TooManyRequests) as refused:
        hit(shop_id, LIMIT, "user", "u1", at=at + 5)
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.details["retry_after_seconds"] == 5
    hit(shop_id, LIMIT, "user", "u2", at=at)  # another subject has its own counter
    hit(shop_id, LIMIT, "ip", "u1", at=at)  # and so has another kind
    hit(shop_id, LIMIT, "user", "u1", at=at + 10)  # the next window


def test_refused_calls_write_nothing_and_counters_expire():
    shop_id, at = new_id(), 1_700_000_000
    for _ in range(5):
        try:
            hit(shop_id, LIMIT, "ip", "10.0.0.1", at=at)
        except TooManyRequests:
            pass
    counter = RateCounter.get(*RateCounter.key(shop_id, "test", "ip", "10.0.0.1", at // 10), consistent_read=True)
    assert counter.hits == 3
    assert counter.expires_at_ttl == (at // 10 + 1) * 10 + 60
    assert counter.entity == RateCounter


def test_concurrent_calls_never_pass_the_limit():
    shop_id, at = new_id(), 1_700_000_000
    limit = Limit("burst", max_hits=10, window_seconds=60)

    def call(_):
        try:
            hit(shop_id, limit, "user", "bot", at=at)
            return "ok"
        except TooManyRequests:
            return "429"

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(call, range(60)))
    assert results.count("ok") == 10 and results.count("429") == 50


def test_odd_subjects_are_hashed_and_a_missing_ip_is_not_limited():
    shop_id = new_id()
    tight = Limit("tight", max_hits=1, window_seconds=60)
    for _ in range(3):
        hit_all(shop_id, Limit("wide", 100, 60), "u", tight, None)
    hit(shop_id, tight, "ip", "2001:db8::1")
    hit(shop_id, tight, "ip", "x" * 500)
    with pytest.raises(TooManyRequests):
        hit(shop_id, tight, "ip", "x" * 500)
    with pytest.raises(ValueError):
        Limit("bad", 0, 10)
