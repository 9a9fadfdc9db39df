"""Where WeChat Pay secrets live: AWS Secrets Manager in AWS, files under the data dir locally, memory in tests.

A secret is a small JSON object under a name (`merchant/<shop_id>` holds the APIv3 key and
the merchant private key). `create` is create-if-absent and returns what is stored, so two
processes provisioning the same sandbox account at once end up with one value.
"""
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, Optional, Protocol

from crowdcart.settings import get_settings

CACHE_SECONDS = 300


class SecretStore(Protocol):
    """A named-JSON secret store."""

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        """The secret, or None when absent."""

    def create(self, name: str, value: Dict[str, Any]) -> Dict[str, Any]:
        """Store `value` unless the name exists; return the stored value either way."""


class MemoryStore:
    """Process-local secrets (tests)."""

    def __init__(self) -> None:
        self._items: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        """The secret, or None."""
        with self._lock:
            return self._items.get(name)

    def create(self, name: str, value: Dict[str, Any]) -> Dict[str, Any]:
        """Create-if-absent."""
        with self._lock:
            return self._items.setdefault(name, dict(value))


class FileStore:
    """One 0600 JSON file per secret under `<data_dir>/wechatpay/` (local mode)."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if ".." in name.split("/"):
            raise ValueError("bad secret name")
        return self.root / f"{name}.json"

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        """The secret, or None."""
        path = self._path(name)
        return json.loads(path.read_text()) if path.exists() else None

    def create(self, name: str, value: Dict[str, Any]) -> Dict[str, Any]:
        """Create-if-absent: write a temporary file, then hard-link it into place (atomic, no overwrite)."""
        path = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(value, handle)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
        return json.loads(path.read_text())


class SecretsManagerStore:
    """AWS Secrets Manager: secret `<prefix><name>` holds the JSON; reads are cached for 5 minutes."""

    def __init__(self, prefix: str, client: Any = None) -> None:
        self.prefix = prefix
        self._client = client
        self._cache: Dict[str, Any] = {}
        self._lock = threading.Lock()

    def _sm(self) -> Any:
        if self._client is None:
            import boto3  # only the payments functions pay for this import

            self._client = boto3.client("secretsmanager", region_name=get_settings().region)
        return self._client

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        """The secret (cached), or None when it does not exist."""
        with self._lock:
            hit = self._cache.get(name)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        client = self._sm()
        try:
            raw = client.get_secret_value(SecretId=self.prefix + name)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            return None
        value = json.loads(raw)
        with self._lock:
            self._cache[name] = (time.monotonic() + CACHE_SECONDS, value)
        return value

    def create(self, name: str, value: Dict[str, Any]) -> Dict[str, Any]:
        """CreateSecret; an existing secret wins."""
        client = self._sm()
        try:
            client.create_secret(Name=self.prefix + name, SecretString=json.dumps(value))
        except client.exceptions.ResourceExistsException:
            pass
        with self._lock:
            self._cache.pop(name, None)
        return self.get(name) or value


_store: Optional[SecretStore] = None
_store_lock = threading.Lock()


def default_store() -> SecretStore:
    """The store for this deployment: CROWDCART_WECHATPAY_SECRETS, else AWS → Secrets Manager,
    local with CROWDCART_DATA_DIR set (`make run`) → files, local otherwise (tests) → memory."""
    choice = os.environ.get("CROWDCART_WECHATPAY_SECRETS", "")
    settings = get_settings()
    if not choice:
        if not settings.is_local:
            choice = "secretsmanager"
        else:
            choice = "file" if os.environ.get("CROWDCART_DATA_DIR") else "memory"
    if choice == "secretsmanager":
        return SecretsManagerStore(os.environ.get("CROWDCART_WECHATPAY_SECRET_PREFIX", "crowdcart/wechatpay/"))
    if choice == "file":
        return FileStore(os.path.join(settings.data_dir, "wechatpay"))
    if choice == "memory":
        return MemoryStore()
    raise RuntimeError(f"unknown CROWDCART_WECHATPAY_SECRETS {choice!r}")


def store() -> SecretStore:
    """The process-wide secret store."""
    global _store
    with _store_lock:
        if _store is None:
            _store = default_store()
        return _store


def use_store(replacement: Optional[SecretStore]) -> None:
    """Swap the process-wide store (tests; None goes back to the default)."""
    global _store
    with _store_lock:
        _store = replacement


def merchant_secret_name(shop_id: str) -> str:
    """Name of a shop's merchant secrets: {"apiv3_key", "private_key"}."""
    return f"merchant/{shop_id}"
