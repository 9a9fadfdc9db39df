"""Response models of notifications."""
from typing import Any, Dict, List, Optional

from pydantic import BaseModel


class NotificationView(BaseModel):
    """One message in the shopper's inbox."""

    template: str
    title: str
    data: Dict[str, Any]
    created_at: str
    delivery: str


class NotificationPage(BaseModel):
    """A page of notifications, newest first."""

    items: List[NotificationView]
    next_cursor: Optional[str] = None
