"""Identifiers: ULIDs for new objects, deterministic ids derived from idempotency inputs."""
import hashlib

from ulid import ULID

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A new ULID string (sortable by creation time)."""
    return str(ULID())


def derived_id(*parts: str, length: int = 26) -> str:
    """A stable id in ULID's alphabet derived from `parts` (same parts, same id)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(chars)


def is_id(value: str) -> bool:
    """True for a 26-character Crockford base32 id."""
    return isinstance(value, str) and len(value) == 26 and all(c in _CROCKFORD for c in value)
