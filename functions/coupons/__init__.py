"""Coupons capability: merchant templates, the coupon center, claims, the wallet and the birthday sweeper."""
