"""A throwaway PostgreSQL server for the test session: initdb and pg_ctl in a temporary folder.

As root, initdb refuses to run, so the server runs as the ``postgres`` user (Debian's package
creates it). It listens on 127.0.0.1 on a free port and is stopped by its own pg_ctl at the end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from deployments.local_postgres import free_port as free_port
from deployments.local_postgres import server_program

# The system's own: where `up` finds PostgreSQL's programs and a free port for its cluster.
postgres_bin = server_program


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    run_as: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        pg_ctl = postgres_bin("pg_ctl")
        subprocess.run(
            [
                *self.run_as,
                pg_ctl or "pg_ctl",
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres() -> PostgresServer:
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="complaints-pg-"))
    data_dir = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *run_as,
            initdb,
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            pg_ctl,
            "-D",
            str(data_dir),
            "-w",
            "-l",
            str(base / "server.log"),
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return PostgresServer(data_dir=data_dir, port=port, run_as=run_as)
