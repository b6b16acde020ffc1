"""The vault file: SQLite schema, ledger rows, projection tables, atomic publish."""
