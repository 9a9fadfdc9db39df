"""Points capability: balance and ledger, daily check-in, shares, and exchanging points for coupons."""
