"""The `keyledger` command line: the same services as the console, scriptable."""
