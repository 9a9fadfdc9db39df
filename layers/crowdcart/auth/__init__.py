"""Authentication: shopper JWTs, merchant staff keys, the platform key, WeChat login."""
