"""Prefect flows: orchestration only; every I/O step is a task in `tasks/`."""
