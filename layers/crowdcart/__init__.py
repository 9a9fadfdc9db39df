"""Crowdcart's shared core: domain rules, data access, auth and observability."""
