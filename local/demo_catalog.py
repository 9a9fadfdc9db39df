"""The demo shop's catalog: two root categories with sub-categories and six products, through the catalog service."""
from typing import Dict, List

from functions.catalog import service

IMAGE = "https://img.crowdcart.example/demo/{}.jpg"

# root name -> its sub-categories
CATEGORIES = {"数码 Digital": ["耳机 Audio", "手机配件 Phone accessories"],
              "家居 Home": ["厨房 Kitchen", "Lighting 灯具"]}

# (sub-category, title, kind, virtual sales, [(spec, price_fen, stock)])
PRODUCTS = [
    ("耳机 Audio", "无线蓝牙耳机 Pro", "physical", 1200, [("曜石黑", 19900, 120), ("珍珠白", 19900, 80)]),
    ("耳机 Audio", "Bluetooth Speaker Mini", "physical", 350, [("Blue", 12900, 60), ("Red", 12900, 40)]),
    ("手机配件 Phone accessories", "快充数据线 USB-C 1米", "physical", 5000, [("1m", 2900, 500), ("2m", 3900, 300)]),
    ("厨房 Kitchen", "Ceramic Chef Knife 陶瓷刀", "physical", 80, [("15cm", 8800, 25)]),
    ("Lighting 灯具", "LED 护眼台灯", "physical", 640, [("标准版", 15900, 50), ("无线充电版", 21900, 20)]),
    ("厨房 Kitchen", "咖啡馆饮品兑换券 Coffee Voucher", "voucher", 0, [("单杯", 1800, 1000)]),
]


def seed(shop_id: str) -> Dict[str, List[str]]:
    """Create the demo categories and products in `shop_id`; returns the new ids."""
    ids: Dict[str, str] = {}
    for root, children in CATEGORIES.items():
        ids[root] = service.create_category(shop_id, root, None, len(ids))["id"]
        for child in children:
            ids[child] = service.create_category(shop_id, child, ids[root], len(ids))["id"]
    products = []
    for number, (category, title, kind, virtual_sales, skus) in enumerate(PRODUCTS, start=1):
        fields = {"title": title, "category_id": ids[category], "kind": kind, "virtual_sales": virtual_sales,
                  "description": f"{title} — demo product.", "images": [IMAGE.format(number)], "on_shelf": True}
        rows = [{"spec": spec, "price_fen": price, "stock": stock} for spec, price, stock in skus]
        products.append(service.create_product(shop_id, fields, rows)["id"])
    return {"categories": list(ids.values()), "products": products}
