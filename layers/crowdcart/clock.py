"""Time in one place: UTC epoch seconds and ISO-8601 strings."""
import time
from datetime import datetime, timezone


def now() -> int:
    """Current UTC time in epoch seconds."""
    return int(time.time())


def iso(epoch: int) -> str:
    """Epoch seconds as an ISO-8601 UTC string."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def today(epoch: int = 0, utc_offset_hours: int = 8) -> str:
    """The calendar date (YYYY-MM-DD) in the shop's time zone (China Standard Time by default)."""
    moment = epoch or now()
    return datetime.fromtimestamp(moment + utc_offset_hours * 3600, tz=timezone.utc).strftime("%Y-%m-%d")
