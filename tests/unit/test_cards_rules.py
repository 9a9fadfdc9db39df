"""Card collecting rules: rarity weights hold statistically, full sets, duplicates, validation."""
import math
import random
from collections import Counter

import pytest

from crowdcart.domain import cards as rules

KINDS = [rules.Kind("k1", 40), rules.Kind("k2", 30), rules.Kind("k3", 20), rules.Kind("k4", 9), rules.Kind("k5", 1)]


def test_rarities_hold_within_five_standard_deviations():
    rng, draws = random.Random(99), 100_000
    counts = Counter(rules.pick(KINDS, rng) for _ in range(draws))
    for kind_id, p in rules.chances(KINDS).items():
        sigma = math.sqrt(draws * p * (1 - p))
        assert abs(counts[kind_id] - draws * p) <= 5 * sigma, (kind_id, counts[kind_id])
    statistic = sum((counts[k] - draws * p) ** 2 / (draws * p) for k, p in rules.chances(KINDS).items())
    assert statistic < 18.467  # chi-square, 4 degrees of freedom, upper 0.1 % point


def test_full_set_missing_and_duplicates():
    ids = rules.kind_ids(3)
    assert ids == ["k1", "k2", "k3"]
    assert rules.missing({"k1": 2, "k3": 0}, ids) == ["k2", "k3"]
    assert not rules.complete({"k1": 2, "k3": 1}, ids)
    assert rules.complete({"k1": 1, "k2": 1, "k3": 4}, ids)
    assert rules.duplicates({"k1": 1, "k2": 3, "k3": 2}, ids) == {"k2": 2, "k3": 1}


@pytest.mark.parametrize("weights, field", [([5], "kinds"), ([1] * 21, "kinds"), ([1, 0], "kinds.1.weight"),
                                             ([1, rules.MAX_WEIGHT + 1], "kinds.1.weight")])
def test_validation_names_the_field(weights, field):
    with pytest.raises(ValueError) as caught:
        rules.validate(weights)
    assert str(caught.value).split(":")[0] == field
