"""Referral commissions (分销): promoters, referral bindings, commissions frozen until the after-sales
window closes, and withdrawals the merchant approves."""
