"""Gift vouchers (礼券赠送): send a bought voucher with a one-time link, one friend claims it, redeemed online or in store."""
