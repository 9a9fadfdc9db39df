"""Who is calling: a shopper, a merchant staff key, or the platform operator."""
from dataclasses import dataclass

from crowdcart.errors import Forbidden

ROLES = ("owner", "operator", "viewer")
WRITE_ROLES = ("owner", "operator")


@dataclass(frozen=True)
class Shopper:
    """A logged-in shopper; the shop comes from the token, never from the request."""

    shop_id: str
    user_id: str


@dataclass(frozen=True)
class Merchant:
    """A merchant staff key of one shop, with its role."""

    shop_id: str
    key_id: str
    role: str

    def require_write(self) -> "Merchant":
        """Raise 403 unless this key may change things."""
        if self.role not in WRITE_ROLES:
            raise Forbidden("read_only_key", "This merchant key is read-only (viewer).")
        return self

    def require_owner(self) -> "Merchant":
        """Raise 403 unless this key is the shop owner's."""
        if self.role != "owner":
            raise Forbidden("owner_only", "Only the shop owner's key may do this.")
        return self


@dataclass(frozen=True)
class Platform:
    """The platform operator (creates shops)."""
