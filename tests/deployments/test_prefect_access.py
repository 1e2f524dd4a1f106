"""The Prefect server of `complaints up` requires sign-in: the operator's strings as given,
otherwise one generated into the data folder on first start (owner-only) and reused; the
`complaints` commands find the server and its sign-in by the data folder. (A real `up` whose
API refuses a request without it is in test_up_system.py.)"""

from __future__ import annotations

import stat
from pathlib import Path

from config.settings import Settings
from deployments.prefect_access import client_environment, prefect_auth


def test_a_secret_is_generated_once_into_the_data_folder_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = prefect_auth(settings, {})
    assert first.server == first.client and first.server is not None
    user, _, password = first.server.partition(":")
    assert user == "ops" and len(password) >= 32
    path = tmp_path / "data" / "prefect-auth"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert prefect_auth(settings, {}) == first
    assert first.server_env() == {"PREFECT_SERVER_API_AUTH_STRING": first.server}
    assert first.client_env() == {"PREFECT_API_AUTH_STRING": first.server}


def test_the_operators_strings_are_used_as_given_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    given = {"PREFECT_SERVER_API_AUTH_STRING": "admin:s3", "PREFECT_API_AUTH_STRING": "admin:s3"}
    auth = prefect_auth(settings, given)
    assert (auth.server, auth.client, auth.source) == ("admin:s3", "admin:s3", "environment")
    # A server-only string stays server-only: up then says the clients need theirs.
    only_server = prefect_auth(settings, {"PREFECT_SERVER_API_AUTH_STRING": "admin:s3"})
    assert (only_server.server, only_server.client) == ("admin:s3", None)
    assert not (tmp_path / "data" / "prefect-auth").exists()


def test_commands_reach_ups_server_with_its_sign_in_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", prefect_port=4311)
    home = (tmp_path / "data" / "prefect").resolve()
    ups = {  # up's server and Prefect folder, never a temporary server of the command's own
        "PREFECT_API_URL": "http://127.0.0.1:4311/api",
        "PREFECT_HOME": str(home),
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "results"),
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",
    }
    assert client_environment(settings, {}) == ups
    secret = prefect_auth(settings, {}).client
    assert client_environment(settings, {}) == {**ups, "PREFECT_API_AUTH_STRING": secret}
    own = {"PREFECT_API_URL": "https://prefect.internal/api", "PREFECT_API_AUTH_STRING": "a:b"}
    assert client_environment(settings, own) == {}
