"""How every process of the system reaches the Prefect server that `complaints up` runs.

A `complaints` command run from another terminal finds that server from the same settings
as `up`: its port (``COMPLAINTS_PREFECT_PORT``) and Prefect's folder under the data folder
(``PREFECT_HOME``, results under it), and never starts a throwaway server of its own.

The server requires sign-in (Prefect's basic auth): ``PREFECT_SERVER_API_AUTH_STRING`` on the
server, ``PREFECT_API_AUTH_STRING`` on each client (worker, web app, flow runs, `complaints`
commands), both ``user:password``. When the operator sets either in the environment, both are
used exactly as given. Otherwise `complaints up` generates one into ``<data folder>/prefect-auth``
(mode 0600) on its first start and reuses it; the `complaints` commands read it from there.
"""

from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings

SERVER_AUTH = "PREFECT_SERVER_API_AUTH_STRING"
CLIENT_AUTH = "PREFECT_API_AUTH_STRING"
AUTH_FILE = "prefect-auth"
AUTH_USER = "ops"


def auth_file(settings: Settings) -> Path:
    return settings.data_dir / AUTH_FILE


def api_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.prefect_port}/api"


def prefect_home(settings: Settings) -> Path:
    """Prefect's own folder (its profile, its results) for this data folder."""
    return (settings.data_dir / "prefect").resolve()


def server_reachable(url: str, *, timeout: float = 3.0) -> bool:
    """Whether anything answers HTTP at the Prefect API ``url`` (any status: a server asking
    for sign-in is up); False when the connection is refused or times out."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass(frozen=True)
class PrefectAuth:
    server: str | None  # what the server requires (None: no sign-in)
    client: str | None  # what its clients send
    source: str  # where it came from, for the operator

    def client_env(self) -> dict[str, str]:
        return {CLIENT_AUTH: self.client} if self.client else {}

    def server_env(self) -> dict[str, str]:
        return {SERVER_AUTH: self.server} if self.server else {}


def prefect_auth(settings: Settings, environ: Mapping[str, str]) -> PrefectAuth:
    """The operator's strings when set; else the data folder's, generated on first use."""
    if environ.get(SERVER_AUTH) or environ.get(CLIENT_AUTH):
        return PrefectAuth(
            environ.get(SERVER_AUTH) or None, environ.get(CLIENT_AUTH) or None, "environment"
        )
    path = auth_file(settings)
    secret = read_auth_file(path)
    if secret is None:
        secret = f"{AUTH_USER}:{secrets.token_urlsafe(24)}"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another `up` wrote it first: use theirs
            secret = read_auth_file(path)
            assert secret is not None
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secret + "\n")
    return PrefectAuth(secret, secret, str(path))


def read_auth_file(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return text or None


def client_environment(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """What a `complaints` command adds to its environment to reach up's Prefect server: the
    API URL and the sign-in of the data folder, unless the operator set them."""
    extra: dict[str, str] = {}
    if not environ.get("PREFECT_API_URL"):
        extra["PREFECT_API_URL"] = api_url(settings)
        # up's Prefect folder, and never a throwaway server of the command's own.
        if not environ.get("PREFECT_HOME"):
            home = prefect_home(settings)
            extra["PREFECT_HOME"] = str(home)
            extra["PREFECT_LOCAL_STORAGE_PATH"] = str(home / "results")
            extra["PREFECT_RESULTS_PERSIST_BY_DEFAULT"] = "true"
        extra["PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"] = "false"
    if not environ.get(CLIENT_AUTH) and not environ.get(SERVER_AUTH):
        secret = read_auth_file(auth_file(settings))
        if secret:
            extra[CLIENT_AUTH] = secret
    return extra
