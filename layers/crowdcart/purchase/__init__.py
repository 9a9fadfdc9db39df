"""What checkout is made of: the context it builds and the parts (coupon, points, campaigns) that join it.

Checkout (functions/checkout) reads, prices and writes in one pass; every discount source is a
`Part` registered in `parts.PARTS`, so a new campaign plugs in without editing checkout:
  admit(ctx)     → optional: cheap checks before any read (rate limits, cached windows),
  keys(ctx)      → extra items for the one consistent read batch,
  prepare(ctx)   → validate against what was read and set pricing inputs on the context,
  write(ctx, tx) → its conditional writes inside the checkout transaction,
  release(order, tx) → give back what it took when the order is cancelled unpaid.
"""
