"""The staff web app and JSON API (issue 4): intake, a page for each human step, roles.

See ``intake.app.create_app``; ``complaints web`` serves it on ``settings.web_host:web_port``.
"""
