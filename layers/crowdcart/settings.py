"""Settings read once from the environment; the same names locally and in AWS."""
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration."""

    mode: str
    region: str
    table_name: str
    idempotency_table_name: str
    dynamodb_endpoint: Optional[str]
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    jwt_ttl_seconds: int
    platform_key_sha256: str
    capabilities: Optional[str]
    max_body_bytes: int
    wechat_mode: str
    data_dir: str

    @property
    def is_local(self) -> bool:
        """True when running on one machine (DynamoDB Local, sandboxes)."""
        return self.mode == "local"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings from the environment (cached; tests clear the cache)."""
    mode = _env("CROWDCART_MODE", "aws")
    return Settings(
        mode=mode,
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        table_name=_env("CROWDCART_TABLE", "crowdcart"),
        idempotency_table_name=_env("CROWDCART_IDEMPOTENCY_TABLE", "crowdcart-idempotency"),
        dynamodb_endpoint=_env("CROWDCART_DYNAMODB_ENDPOINT") or None,
        jwt_secret=_env("CROWDCART_JWT_SECRET"),
        jwt_issuer=_env("CROWDCART_JWT_ISSUER", "crowdcart"),
        jwt_audience=_env("CROWDCART_JWT_AUDIENCE", "crowdcart-miniprogram"),
        jwt_ttl_seconds=int(_env("CROWDCART_JWT_TTL_SECONDS", "7200")),
        platform_key_sha256=_env("CROWDCART_PLATFORM_KEY_SHA256"),
        capabilities=_env("CROWDCART_CAPABILITIES") or None,
        max_body_bytes=int(_env("CROWDCART_MAX_BODY_BYTES", "65536")),
        wechat_mode=_env("CROWDCART_WECHAT_MODE", "sandbox" if mode == "local" else "live"),
        data_dir=_env("CROWDCART_DATA_DIR", ".local"),
    )
