"""KeyLedger: a team key vault with a signed ledger, for small teams and their auditors."""

__version__ = "0.1.0"
