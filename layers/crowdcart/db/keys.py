"""Every key of the single table is built here; every key starts with the shop."""


def shop_pk(shop_id: str) -> str:
    """Partition of a shop's own record and staff keys."""
    return f"SHOP#{shop_id}"


def scoped(shop_id: str, *parts: str) -> str:
    """`SHOP#<shop>#part#part…` — the prefix every tenant key uses."""
    return "#".join((shop_pk(shop_id),) + parts)


def shop_prefix(shop_id: str) -> str:
    """The string every key of this shop begins with (the tenant wall)."""
    return shop_pk(shop_id)


def belongs_to(shop_id: str, key: str) -> bool:
    """True when `key` lies inside this shop's keyspace."""
    prefix = shop_pk(shop_id)
    return key == prefix or key.startswith(prefix + "#")
