"""The staff web app and JSON API: intake, a page for each human step, roles.

See ``web.app.create_app``; ``complaints web`` serves it on ``settings.web_host:web_port``.
"""
