"""Deployments, schedules, work pool, automations, and the `complaints up` runner."""
