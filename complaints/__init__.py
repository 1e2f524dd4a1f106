"""Pieces shared by every part of the system: settings and the `complaints` command."""
