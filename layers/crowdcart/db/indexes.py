"""The table's global secondary indexes as PynamoDB index classes (names match infra/table.json)."""
from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection


class GSI1(GlobalSecondaryIndex):
    """Generic index 1 (see docs/access-patterns.md)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class GSI2(GlobalSecondaryIndex):
    """Generic index 2 (see docs/access-patterns.md)."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class GSI3(GlobalSecondaryIndex):
    """Generic index 3 (see docs/access-patterns.md)."""

    class Meta:
        index_name = "GSI3"
        projection = AllProjection()

    GSI3PK = UnicodeAttribute(hash_key=True)
    GSI3SK = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex):
    """Sparse index of items with a deadline, read by the sweepers (keys and `entity` only)."""

    class Meta:
        index_name = "DUE"
        projection = IncludeProjection(["entity"])

    DUEPK = UnicodeAttribute(hash_key=True)
    DUESK = UnicodeAttribute(range_key=True)
