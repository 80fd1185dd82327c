"""Publishing outputs: downloads (Fingertips-format CSV, Excel) and, later, PDF reports."""
