"""Reading a shopper's notifications."""
from typing import Any, Dict, Optional

from crowdcart.clock import iso
from crowdcart.db.models.notifications import Notification, notes_pk
from crowdcart.pagination import decode_cursor, encode_cursor


def list_notifications(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Newest first, paginated."""
    results = Notification.query(notes_pk(shop_id, user_id), Notification.SK.startswith("NOTE#"),
                                 scan_index_forward=False, limit=limit,
                                 last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [{"template": n.template, "title": n.title, "data": n.data, "created_at": iso(n.created_at),
              "delivery": n.delivery}
             for n in results]
    return {"items": items, "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}
