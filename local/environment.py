"""Environment for local mode: endpoints, fake AWS credentials, and keys generated once per data dir."""
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Dict


def local_secrets(data_dir: str) -> Dict[str, str]:
    """The JWT secret and platform key, generated on first use and kept in `<data_dir>/keys.json`."""
    path = Path(data_dir) / "keys.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name, size in (("jwt_secret", 48), ("platform_key", 32)):
        if not stored.get(name):
            stored[name] = ("pk_" if name == "platform_key" else "") + secrets.token_urlsafe(size)
            changed = True
    if changed:
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored


def configure(endpoint: str, jwt_secret: str, platform_key: str, table: str = "crowdcart") -> None:
    """Set the variables the core reads, before anything imports it."""
    os.environ.update({
        "CROWDCART_MODE": "local",
        "CROWDCART_DYNAMODB_ENDPOINT": endpoint,
        "CROWDCART_TABLE": table,
        "CROWDCART_IDEMPOTENCY_TABLE": f"{table}-idempotency",
        "CROWDCART_JWT_SECRET": jwt_secret,
        "CROWDCART_PLATFORM_KEY_SHA256": hashlib.sha256(platform_key.encode()).hexdigest(),
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "AWS_REGION": os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")),
        "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    })


def table_names() -> Dict[str, str]:
    """Role → table name, from the configured environment."""
    return {"main": os.environ["CROWDCART_TABLE"], "idempotency": os.environ["CROWDCART_IDEMPOTENCY_TABLE"]}


def dynamodb_client():
    """A boto3 DynamoDB client on the configured local endpoint."""
    import boto3

    return boto3.client("dynamodb", endpoint_url=os.environ["CROWDCART_DYNAMODB_ENDPOINT"],
                        region_name=os.environ["AWS_DEFAULT_REGION"])
