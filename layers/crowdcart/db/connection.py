"""PynamoDB model base and the shared connection, configured from settings."""
import threading

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.connection import Connection, TableConnection
from pynamodb.models import Model

from crowdcart.db.indexes import GSI1, GSI2, GSI3, DueIndex
from crowdcart.settings import get_settings

_settings = get_settings()
_CONNECTION_LOCK = threading.Lock()


class TableMeta:
    """PynamoDB Meta shared by every entity of the single table."""

    table_name = _settings.table_name
    region = _settings.region
    host = _settings.dynamodb_endpoint
    max_retry_attempts = 3
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_pool_connections = 50


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

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """One TableConnection — one botocore client — for every entity, since they share the table.

        PynamoDB would create one per model class, lazily; under threads (the local server, tests)
        many threads would build clients at once. This builds it once, under a lock.
        """
        shared = Entity.__dict__.get("_connection")
        if shared is not None:
            return shared
        with _CONNECTION_LOCK:
            if Entity.__dict__.get("_connection") is None:
                built = super(Entity, Entity)._get_connection()
                built.connection.client  # noqa: B018 - create the botocore client now, once
            return Entity.__dict__["_connection"]

    gsi1 = GSI1()
    gsi2 = GSI2()
    gsi3 = GSI3()
    due = DueIndex()


def connection() -> Connection:
    """The low-level connection used for transactions: the same botocore client as the models."""
    return Entity._get_connection().connection
