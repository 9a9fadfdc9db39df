"""Framework-free request helpers used by every capability's routes (no Chalice import)."""
