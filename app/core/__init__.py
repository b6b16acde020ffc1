"""Domain rules in pure Python: no I/O and no Qt."""
