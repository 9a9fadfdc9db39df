"""The data rules, checked over everything the suite wrote so far: every item has `entity`, and every
partition key is inside a shop (the tenant wall), apart from the platform's own few."""
import os

from local.environment import dynamodb_client

PLATFORM_PREFIXES = ("PLATFORM#",)


def test_every_item_has_an_entity_and_a_shop_scoped_key():
    client = dynamodb_client()
    missing, outside = [], []
    pages = client.get_paginator("scan").paginate(TableName=os.environ["CROWDCART_TABLE"],
                                                  ProjectionExpression="PK, SK, entity")
    for page in pages:
        for item in page["Items"]:
            pk, sk = item["PK"]["S"], item["SK"]["S"]
            if "entity" not in item:
                missing.append((pk, sk))
            if not pk.startswith("SHOP#") and not pk.startswith(PLATFORM_PREFIXES):
                outside.append((pk, sk))
    assert not missing, f"items without `entity` (an update that created the item must set it): {missing[:10]}"
    assert not outside, f"partition keys outside any shop: {outside[:10]}"
