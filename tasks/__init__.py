"""Prefect tasks: one idempotent I/O step each (email, documents, database).

Tasks take ids and return small non-personal values (status strings, ids, checksums), so
that no personal data reaches Prefect parameters, results, logs or artifacts (Art. 2(5)).
"""
