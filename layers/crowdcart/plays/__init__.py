"""Viral plays' core (referral commissions, lotteries, card collecting): what both their capabilities
and their stream reactions (crowdcart.reactions.referral, crowdcart.reactions.games) need."""
