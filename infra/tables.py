"""The one table definition (infra/table.json) turned into CreateTable calls for local and tests."""
import json
from pathlib import Path
from typing import Any, Dict

TABLE_FILE = Path(__file__).with_name("table.json")


def table_specs() -> Dict[str, Dict[str, Any]]:
    """Return the table specs keyed by role ("main", "idempotency")."""
    return json.loads(TABLE_FILE.read_text())


def create_tables(client: Any, names: Dict[str, str]) -> None:
    """Create every table that does not exist yet; `names` maps role to table name."""
    existing = set(client.list_tables().get("TableNames", []))
    for role, spec in table_specs().items():
        name = names[role]
        if name in existing:
            continue
        spec = dict(spec)
        ttl = spec.pop("TimeToLive", None)
        client.create_table(TableName=name, **spec)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
