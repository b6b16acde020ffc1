"""Use cases over the vault: the one API that the CLI and the GUI call."""
