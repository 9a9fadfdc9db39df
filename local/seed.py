"""The demo shop `make run` creates once: shop, owner key, categories, products with SKUs, two stores."""
import json
from pathlib import Path
from typing import Dict

from pynamodb.exceptions import DoesNotExist

from crowdcart.db.models.shops import Shop
from functions.shops import service as shops
from local import demo_catalog
from local import demo_stores


def ensure_demo_shop(data_dir: str) -> Dict[str, str]:
    """Return the demo shop's id and key, creating and filling the shop on first run."""
    path = Path(data_dir) / "demo.json"
    if path.exists():
        demo = json.loads(path.read_text())
        try:
            Shop.get(*Shop.key(demo["shop_id"]))
            return demo
        except DoesNotExist:
            pass  # the data dir was wiped: seed again
    demo = shops.create_shop("Crowdcart Demo Shop")
    fill_demo_shop(demo["shop_id"])
    path.write_text(json.dumps(demo, indent=2))
    path.chmod(0o600)
    return demo


def fill_demo_shop(shop_id: str) -> None:
    """Categories, products and stores of the demo shop."""
    demo_catalog.seed(shop_id)
    demo_stores.seed(shop_id)
