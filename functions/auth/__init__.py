"""Auth capability: shopper login through code2Session, and the shopper's own profile."""
