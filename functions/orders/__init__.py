"""Orders capability: the lifecycle after checkout — lists, cancel, ship, receipt, pickup, sweepers."""
