"""The demo shop's two stores: real Shanghai locations (approximate WGS-84 coordinates)."""
from typing import List

from functions.stores import service

DEMO_STORES = (
    {"name": "人民广场店 People's Square", "lat": 31.2304, "lng": 121.4737,
     "address": "上海市黄浦区人民大道 People's Avenue, Huangpu District, Shanghai",
     "opening_hours": [{"days": [1, 2, 3, 4, 5, 6, 7], "open": "10:00", "close": "22:00"}], "pickup_enabled": True},
    {"name": "陆家嘴店 Lujiazui", "lat": 31.2397, "lng": 121.4998,
     "address": "上海市浦东新区陆家嘴环路 Lujiazui Ring Road, Pudong New Area, Shanghai",
     "opening_hours": [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "21:00"},
                       {"days": [6, 7], "open": "10:00", "close": "22:00"}], "pickup_enabled": True},
)


def seed(shop_id: str) -> List[str]:
    """Create the demo stores in `shop_id`; returns their ids."""
    return [service.create_store(shop_id, dict(store))["id"] for store in DEMO_STORES]
