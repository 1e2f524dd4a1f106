"""The services: what the system does with its records, one module per job.

Intake (`intake`), each human step (`steps`, declared once in `step_registry`), the time limits
(`deadlines`), the outbox and its addressee rules (`outbox`), what each notice says (`notices`)
and its delivery by email (`delivery`), the handling form (`handling_form`), what a complaint's
flow run may know and the case file it shows (`progress`), the staff directory (`directory`),
a database brought to its schema and departments (`setup`), sign-in (`security`), corrections
(`corrections`), the audit log's hash chain (`audit`) and Art. 8 monitoring's queries
(`monitoring`). The tables they read and write are in ``models``; the rules they apply are in
``policy``. Every door (web, API, Prefect UI, reconciliation) goes through a service, so each
rule is enforced once.
"""
