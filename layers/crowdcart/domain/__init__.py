"""Pure business rules: no I/O, tested in milliseconds."""
