"""Publishing outputs: the build run with its downloads (indicator_set) and the annual report."""
