"""Storage: the analytics warehouse (DuckDB) and, later, the application database."""
