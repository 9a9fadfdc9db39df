"""Rewards core: coupons, the points ledger and membership — shared by the coupons, points and members
capabilities, the checkout parts (crowdcart.purchase) and the stream reactions (crowdcart.reactions.rewards)."""
