"""Card collecting (集卡): a set of card kinds with rarities, draws earned by friends' assists, shares
and orders, duplicates given to friends, and a full set redeemed once for the prize."""
