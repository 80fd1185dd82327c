"""The migration scripts, oldest first (0001: the tracker's tables)."""
