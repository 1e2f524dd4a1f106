"""The `complaints` command: the operator's entry point (the top floor)."""
