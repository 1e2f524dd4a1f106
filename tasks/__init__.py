"""Prefect tasks: one idempotent I/O step each (email, documents, database).

Only tasks live here, each calling a service in ``models/`` (the handling form, the notices,
delivery, the outbox, monitoring), plus private helpers; ``tests/test_layers.py`` holds
the rule.

Tasks take ids and return small non-personal values (status strings, ids, checksums), so
that no personal data reaches Prefect parameters, results, logs or artifacts (Art. 2(5)).

Tasks carry no tags: a tagged task run first takes tag-concurrency slots from the server,
which measured ~0.4 s per task here (a resumed flow runs a dozen tasks). The clause each task
carries out is named in its docstring.
"""
