"""A PostgreSQL server of the system's own for the Prefect server, in the data folder, when the
machine has PostgreSQL's server programs (Debian's ``postgresql`` package).

The Prefect server on SQLite has one writer: a burst of complaints (a regulator's batch, a busy
morning) makes it answer "database is locked" with 503s, where on PostgreSQL it answers
every request (bench/README.md). `up` therefore keeps Prefect's runs in a cluster under
``<data dir>/prefect-postgres`` (made once, durable, listening on 127.0.0.1 only, password
in ``<data dir>/prefect-postgres.password``, mode 0600), and falls back to SQLite where the
programs are missing or the operator chose (``COMPLAINTS_PREFECT_LOCAL_POSTGRES=off``).

As root, PostgreSQL's programs refuse to run: the server then runs as the ``postgres`` user,
which must be able to reach the data folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

CLUSTER = "prefect-postgres"
DATABASE = "prefect"
SUPERUSER = "postgres"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (the cluster's, chosen at each start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_program(name: str) -> str | None:
    """A PostgreSQL program on PATH, or in Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass(frozen=True)
class LocalPostgres:
    data_dir: Path
    run_as: str | None  # the user the server runs as when `up` runs as root

    @property
    def cluster(self) -> Path:
        return self.data_dir.resolve() / CLUSTER

    @property
    def password_file(self) -> Path:
        return self.data_dir.resolve() / f"{CLUSTER}.password"

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def prepare(self) -> None:
        """Make the cluster, once; its superuser's password is generated and kept."""
        if (self.cluster / "PG_VERSION").exists():
            return
        initdb = server_program("initdb")
        assert initdb is not None
        if not self.password_file.exists():
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self.cluster.mkdir(mode=0o700, exist_ok=True)
        # initdb reads the password from a file it can open: beside the cluster, then removed.
        given = self.cluster.parent / f".{CLUSTER}.initdb-password"
        given.write_text(self.password() + "\n")
        given.chmod(0o600)
        try:
            if self.run_as:
                user = pwd.getpwnam(self.run_as)
                os.chown(self.cluster, user.pw_uid, user.pw_gid)
                os.chown(given, user.pw_uid, user.pw_gid)
            subprocess.run(
                [
                    initdb,
                    "-D",
                    str(self.cluster),
                    "-U",
                    SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={given}",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                user=self.run_as,
                cwd=self.cluster.parent,
            )
        finally:
            given.unlink(missing_ok=True)

    def server_command(self, port: int) -> list[str]:
        postgres = server_program("postgres")
        assert postgres is not None
        return [
            postgres,
            "-D",
            str(self.cluster),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
        ]

    def url(self, port: int) -> str:
        """The Prefect server's connection URL (asyncpg), password included."""
        return (
            f"postgresql+asyncpg://{SUPERUSER}:{quote(self.password(), safe='')}"
            f"@127.0.0.1:{port}/{DATABASE}"
        )

    def ensure_database(self, port: int, timeout: float = 30) -> None:
        """The Prefect database, made on the first start. PostgreSQL accepts connections a
        moment before it accepts logins: tried again until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._create_database(port)
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _create_database(self, port: int) -> None:
        with psycopg.connect(
            host="127.0.0.1",
            port=port,
            user=SUPERUSER,
            password=self.password(),
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if exists is None:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')


def local_postgres(data_dir: Path) -> tuple[LocalPostgres | None, str]:
    """The cluster `up` can run for this data folder, or None and why not."""
    missing = [name for name in ("initdb", "postgres") if server_program(name) is None]
    if missing:
        return None, "PostgreSQL's server programs are not installed"
    if os.geteuid() != 0:
        return LocalPostgres(data_dir, None), ""
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        return None, "running as root and there is no postgres user to run PostgreSQL as"
    unreachable = _unreachable_by_others(data_dir.resolve())
    if unreachable is not None:
        return None, f"running as root and the postgres user cannot reach {unreachable}"
    return LocalPostgres(data_dir, SUPERUSER), ""


def _unreachable_by_others(folder: Path) -> Path | None:
    """The first folder on the way to ``folder`` that other users may not pass through."""
    for step in [*reversed(folder.parents), folder]:
        if step.exists() and not step.stat().st_mode & stat.S_IXOTH:
            return step
    return None
