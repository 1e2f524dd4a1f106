"""How the web app is served: what uvicorn logs of each request, and whom it believes about the
client's address.

- The access log names the method, the path and the status, never the query string: a URL's
  query may carry what a person typed (a search by phone or name), which is personal data
  (Art. 2(5)). The filter sits on uvicorn's access logger and is installed by the app itself
  when it starts, however uvicorn was started.
- The client's address is the connection's; ``X-Forwarded-For`` (and ``X-Forwarded-Proto``) are
  believed only from the proxies of ``Settings.trusted_proxies`` (default: loopback, a reverse
  proxy on the same host), taking the last address no trusted proxy added. The app decides this
  itself (uvicorn's ``ProxyHeadersMiddleware``, added in ``create_app``); ``complaints web``
  tells uvicorn to leave the headers alone (``uvicorn_options``).
"""

from __future__ import annotations

import logging
from typing import Any

ACCESS_LOGGER = "uvicorn.access"


class WithoutQueryString(logging.Filter):
    """uvicorn's access record (client, method, path?query, HTTP version, status) with the
    query string cut off the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, query, _ = args[2].partition("?")
            if query:
                record.args = (*args[:2], path, *args[3:])
        return True


def quiet_access_log() -> None:
    """Install ``WithoutQueryString`` on uvicorn's access logger (once)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, WithoutQueryString) for existing in logger.filters):
        logger.addFilter(WithoutQueryString())


def uvicorn_options() -> dict[str, Any]:
    """How ``complaints web`` runs uvicorn: uvicorn's own proxy-header handling is off, since
    the app applies ``trusted_proxies`` itself (uvicorn's default would believe 127.0.0.1)."""
    return {"proxy_headers": False}
