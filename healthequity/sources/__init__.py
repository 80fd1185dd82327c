"""Sources: reading and validating input files before they reach the warehouse."""
