"""PynamoDB model base and the shared connection, configured from settings."""
from functools import lru_cache

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from crowdcart.db.indexes import GSI1, GSI2, GSI3, DueIndex
from crowdcart.settings import get_settings

_settings = get_settings()


class TableMeta:
    """PynamoDB Meta shared by every entity of the single table."""

    table_name = _settings.table_name
    region = _settings.region
    host = _settings.dynamodb_endpoint
    max_retry_attempts = 3
    connect_timeout_seconds = 2
    read_timeout_seconds = 5


class Entity(Model):
    """Base of every single-table item: PK, SK, `entity` discriminator and generic GSI keys."""

    Meta = TableMeta

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)
    DUEPK = UnicodeAttribute(null=True)
    DUESK = UnicodeAttribute(null=True)

    gsi1 = GSI1()
    gsi2 = GSI2()
    gsi3 = GSI3()
    due = DueIndex()


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The low-level connection used for transactions."""
    return Connection(region=_settings.region, host=_settings.dynamodb_endpoint,
                      max_retry_attempts=3, connect_timeout_seconds=2, read_timeout_seconds=5)
