"""Throwaway databases for the SQL adapter tests: SQLite files and a PostgreSQL server.

``tests/conftest.py`` registers this module as a pytest plugin (``pytest_plugins``), so its
fixtures are available to every test:

* ``database_url``: parametrized with the ids ``sqlite`` and ``postgresql``; a SQLAlchemy URL
  of a fresh, empty database. ``sqlite`` is ``sqlite:///<tmp_path>/store.db``; ``postgresql``
  is a new database on the throwaway server (``postgresql+psycopg://user@host:port/name``,
  with the password when the environment gives one), and carries the ``postgresql`` marker.
  A test (or a test class) that takes ``database_url`` runs once per engine::

      def test_round_trip(database_url: str) -> None:
          engine = sqlalchemy.create_engine(database_url)
          ...
          engine.dispose()

  ``@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)`` narrows a test
  to one engine.
* ``new_postgresql_url``: a factory, ``new_postgresql_url() -> str``; each call creates an
  empty database (``CREATE DATABASE``) and returns its URL. The databases a test made are
  dropped (``WITH (FORCE)``) when the test ends. Use it where a test needs several databases.
* ``postgresql_server``: the session's server (a :class:`PostgreSQLServer`: host, port,
  user, password, admin database, ``url(name)``, ``connect()``).
* ``postgresql_databases``: the session's :class:`PostgreSQLDatabases` (``create() -> name``,
  ``drop(name)``, ``exists(name)``), for a module- or class-scoped fixture that wants a
  database for longer than a test: ``postgresql_server.url(postgresql_databases.create())``.
  What it made and nobody dropped is dropped at the end of the session.
* ``postgresql_bindir``: the directory of the server binaries, for a test that starts its
  own :class:`ThrowawayCluster`.

Every test that uses the PostgreSQL server (directly or through ``database_url``) gets the
``postgresql`` marker, so ``-m "not postgresql"`` leaves them out.

Where the server comes from:

* ``PGHOST`` set (and ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, as Debian's
  ``pg_virtualenv`` exports them): that server is used as is; ``PGDATABASE`` (default
  ``postgres``) is the database the harness connects to for ``CREATE DATABASE``.
* Otherwise the harness finds the server binaries (``initdb``, ``pg_ctl``, ``postgres``):
  ``$SERVICEDOMAIN_PG_BINDIR`` if set (only there; a missing directory simulates "no
  PostgreSQL"), else ``pg_config --bindir``, the directory of ``initdb`` on ``PATH``, and
  ``/usr/lib/postgresql/*/bin`` newest version first. It starts a cluster in a temporary
  directory, listening on a free loopback port with trust authentication and without fsync,
  and stops it (``pg_ctl stop -m immediate``) and deletes the directory at the end of the
  session, also after Ctrl-C; a watchdog process does it if the test process dies first
  (SIGTERM, SIGKILL). ``initdb`` refuses to run as root, so as root the cluster runs as the
  ``postgres`` OS user (``runuser``).

Without binaries and without ``PGHOST`` the PostgreSQL tests skip with a reason that starts
with :data:`NO_POSTGRESQL`; ``tests/conftest.py`` tolerates those skips only (see
:func:`skip_is_tolerated`). When ``CI`` is set they fail instead: CI installs PostgreSQL
(``.ci/run``) and must run them. A server that is found but does not start is an error
everywhere, never a skip.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

NO_POSTGRESQL = "PostgreSQL server binaries not found (install postgresql)"
"""The start of the skip reason when no PostgreSQL is installed; the only tolerated skip."""

BINDIR_VARIABLE = "SERVICEDOMAIN_PG_BINDIR"
"""Environment variable naming the one directory to take the server binaries from."""

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
OS_USER_AS_ROOT = "postgres"
START_ATTEMPTS = 3
"""Tries with a new free port each: another process may take the port between probe and bind."""

_CLUSTER_SETTINGS = """
# servicedomain test harness: a throwaway cluster, speed over durability.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 100
"""

_WATCHDOG = """
import os, shutil, subprocess, sys
pg_ctl, data, directory, *as_postgres = sys.argv[1:]
sys.stdin.buffer.read()  # returns at end of file: the test process ended, however it ended
if os.path.exists(os.path.join(data, "postmaster.pid")):
    stop = [*as_postgres, pg_ctl, "stop", "--pgdata", data, "--mode=immediate", "--wait"]
    subprocess.run(stop, cwd=directory, capture_output=True, check=False)
shutil.rmtree(directory, ignore_errors=True)
"""


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True under CI (``CI`` set and non-empty), as the Hypothesis profile choice reads it."""
    return bool((os.environ if environ is None else environ).get("CI"))


# ---------------------------------------------------------------------------------------------
# The skip policy


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The reason of a skipped report, without pytest's ``Skipped: `` prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def skip_is_tolerated(reason: str, *, ci: bool) -> bool:
    """Whether a run may pass with a test skipped for this reason.

    Only "no PostgreSQL installed" outside CI: the README's test command installs every
    Python dependency, so any other skip hides a test that should have run.
    """
    return not ci and reason.startswith(NO_POSTGRESQL)


# ---------------------------------------------------------------------------------------------
# Finding a server


class PostgreSQLUnavailableError(Exception):
    """Neither ``PGHOST`` nor PostgreSQL server binaries: the PostgreSQL tests cannot run."""


class PostgreSQLStartError(RuntimeError):
    """PostgreSQL is installed but the throwaway cluster did not start (a real failure)."""


@dataclass(frozen=True)
class PostgreSQLServer:
    """A running PostgreSQL server the tests may create databases on."""

    host: str
    port: int
    user: str
    password: str | None
    admin_database: str

    def url(self, database: str) -> str:
        """The SQLAlchemy URL (psycopg 3 driver) of ``database`` on this server."""
        from sqlalchemy.engine import URL

        if self.host.startswith("/"):  # a Unix socket directory, as libpq's PGHOST allows
            url = URL.create(
                "postgresql+psycopg",
                username=self.user,
                password=self.password,
                database=database,
                query={"host": self.host, "port": str(self.port)},
            )
        else:
            url = URL.create(
                "postgresql+psycopg",
                username=self.user,
                password=self.password,
                host=self.host,
                port=self.port,
                database=database,
            )
        return url.render_as_string(hide_password=False)

    def connect(self, database: str | None = None) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit psycopg connection to ``database`` (default: the admin database)."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database or self.admin_database,
            autocommit=True,
        )


def server_from_environment(environ: Mapping[str, str]) -> PostgreSQLServer | None:
    """The server libpq's variables name (``PGHOST`` and friends), or None without ``PGHOST``."""
    host = environ.get("PGHOST")
    if not host:
        return None
    return PostgreSQLServer(
        host=host,
        port=int(environ.get("PGPORT") or 5432),
        user=environ.get("PGUSER") or getpass.getuser(),
        password=environ.get("PGPASSWORD") or None,
        admin_database=environ.get("PGDATABASE") or "postgres",
    )


def _has_server_programs(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in SERVER_PROGRAMS)


def _version_key(bindir: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in bindir.parent.name.split("."))
    except ValueError:
        return (-1,)


def _pg_config_bindir(search_path: str) -> Path | None:
    pg_config = shutil.which("pg_config", path=search_path)
    if pg_config is None:
        return None
    try:
        completed = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(completed.stdout.strip())


def find_server_bindir(
    environ: Mapping[str, str], *, debian_root: Path = DEBIAN_ROOT
) -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None.

    ``$SERVICEDOMAIN_PG_BINDIR`` alone when set; else ``pg_config --bindir``, the directory of
    ``initdb`` on ``PATH``, then ``<debian_root>/*/bin`` newest version first.
    """
    override = environ.get(BINDIR_VARIABLE)
    if override is not None:
        candidates: list[Path] = [Path(override)]
    else:
        search_path = environ.get("PATH", os.defpath)
        candidates = []
        from_pg_config = _pg_config_bindir(search_path)
        if from_pg_config is not None:
            candidates.append(from_pg_config)
        initdb = shutil.which("initdb", path=search_path)
        if initdb is not None:
            candidates.append(Path(initdb).parent)
        candidates.extend(sorted(debian_root.glob("*/bin"), key=_version_key, reverse=True))
    return next((path for path in candidates if _has_server_programs(path)), None)


def unavailable_reason(environ: Mapping[str, str]) -> str:
    """The skip reason when neither ``PGHOST`` nor the server binaries are there."""
    where = (
        f"${BINDIR_VARIABLE}={environ[BINDIR_VARIABLE]}"
        if BINDIR_VARIABLE in environ
        else f"pg_config --bindir, PATH or {DEBIAN_ROOT}/*/bin"
    )
    return f"{NO_POSTGRESQL}: no {', '.join(SERVER_PROGRAMS)} in {where}, and PGHOST is unset"


# ---------------------------------------------------------------------------------------------
# The throwaway cluster


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, for one test session.

    As root it runs as the ``postgres`` OS user (``initdb`` refuses root), which owns the
    directory. :meth:`stop` is idempotent. A watchdog process (in its own session, so a
    Ctrl-C in the terminal does not reach it) holds a pipe from this process and stops the
    cluster when the pipe closes: no server outlives the test run, even one killed by SIGTERM
    or SIGKILL before its fixtures could tear down.
    """

    def __init__(self, bindir: Path, *, parent: Path | None = None) -> None:
        self.bindir = bindir
        self._as_root = os.geteuid() == 0
        self._owner = self._os_user() if self._as_root else None
        self.directory = Path(tempfile.mkdtemp(prefix="servicedomain-pg-", dir=parent))
        if self._owner is not None:
            os.chown(self.directory, self._owner.pw_uid, self._owner.pw_gid)
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.port: int | None = None
        self._stopped = False
        self._watchdog = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WATCHDOG,
                str(self.bindir / "pg_ctl"),
                str(self.data),
                str(self.directory),
                *self._as_postgres(),
            ],
            stdin=subprocess.PIPE,
            env=self._environment(),
            start_new_session=True,
        )

    @staticmethod
    def _os_user() -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(OS_USER_AS_ROOT)
        except KeyError:
            msg = (
                f"running as root, the throwaway PostgreSQL cluster runs as the OS user "
                f"{OS_USER_AS_ROOT!r}, which does not exist (the postgresql package creates "
                "it); create it, run as another user, or export PGHOST for a running server"
            )
            raise PostgreSQLStartError(msg) from None

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", OS_USER_AS_ROOT, "--"] if self._as_root else []

    @staticmethod
    def _environment() -> dict[str, str]:
        # libpq's variables (PGDATA, PGPORT, ...) must not steer the throwaway cluster.
        return {key: value for key, value in os.environ.items() if not key.startswith("PG")}

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_postgres(), str(self.bindir / program), *args],
            cwd=self.directory,  # readable by the postgres user, unlike a cwd under /root
            env=self._environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def _failure(self, what: str, completed: subprocess.CompletedProcess[str]) -> str:
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        return (
            f"{what} failed (exit {completed.returncode}) in {self.directory}:\n"
            f"{completed.stdout}{completed.stderr}{log}"
        )

    def start(self) -> PostgreSQLServer:
        """Create the cluster and start the server on a free port; stop it again on failure."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> PostgreSQLServer:
        initdb = self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        if initdb.returncode != 0:
            raise PostgreSQLStartError(self._failure("initdb", initdb))
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(_CLUSTER_SETTINGS)
        for _attempt in range(START_ATTEMPTS):
            port = free_port()
            started = self._run(
                "pg_ctl",
                "start",
                "--pgdata",
                str(self.data),
                "--log",
                str(self.log),
                "--wait",
                "--timeout=60",
                "--silent",
                f"--options=-p {port}",
            )
            if started.returncode == 0:
                self.port = port
                return PostgreSQLServer(
                    host="127.0.0.1",
                    port=port,
                    user="postgres",
                    password=None,
                    admin_database="postgres",
                )
        raise PostgreSQLStartError(self._failure("pg_ctl start", started))

    def postmaster_pid(self) -> int | None:
        """The server's process id while ``postmaster.pid`` exists."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server (immediate mode: nothing in it is worth a checkpoint) and delete it."""
        if self._stopped:
            return
        self._stopped = True
        pid = self.postmaster_pid()
        if pid is not None:
            stopped = self._run(
                "pg_ctl", "stop", "--pgdata", str(self.data), "--mode=immediate", "--wait"
            )
            if stopped.returncode != 0:  # pg_ctl could not stop it: no server may outlive us
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)
        if self._watchdog.stdin is not None:
            self._watchdog.stdin.close()  # the watchdog finds nothing left to do and exits
        self._watchdog.wait(timeout=60)


# ---------------------------------------------------------------------------------------------
# Databases


class PostgreSQLDatabases:
    """Creates and drops uniquely named databases on a server (one admin connection).

    :meth:`close` drops the databases still there, so a shared server (``PGHOST``) keeps none.
    """

    def __init__(self, server: PostgreSQLServer) -> None:
        self.server = server
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self._prefix = f"servicedomain_test_{os.getpid()}_{secrets.token_hex(3)}"
        self._count = 0
        self._live: list[str] = []

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._admin is None or self._admin.closed:
            self._admin = self.server.connect()
        return self._admin

    def create(self) -> str:
        """Create an empty database (a copy of ``template1``) and return its name."""
        from psycopg import sql

        self._count += 1
        name = f"{self._prefix}_{self._count}"
        self._connection().execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._live.append(name)
        return name

    def drop(self, name: str) -> None:
        """Drop a database, ending the sessions a test left open on it."""
        from psycopg import sql

        self._connection().execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if name in self._live:
            self._live.remove(name)

    def exists(self, name: str) -> bool:
        """Whether the server has a database of that name."""
        row = (
            self._connection()
            .execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
            .fetchone()
        )
        return row is not None and row[0] == 1

    def close(self) -> None:
        """Drop the databases made here and not dropped yet; close the admin connection."""
        try:
            for name in list(self._live):
                self.drop(name)
        finally:
            if self._admin is not None:
                self._admin.close()


# ---------------------------------------------------------------------------------------------
# The pytest plugin

NewDatabaseUrl = Callable[[], str]
"""The type of the ``new_postgresql_url`` fixture."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``postgresql`` marker (``--strict-markers`` is on)."""
    config.addinivalue_line(
        "markers", "postgresql: the test needs the PostgreSQL server (tests/sql_databases.py)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the PostgreSQL server with ``postgresql``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "postgresql_server" in fixtures or "postgresql_bindir" in fixtures:
            item.add_marker(pytest.mark.postgresql)


@pytest.fixture(scope="session")
def postgresql_bindir() -> Path:
    """The server binaries' directory; skips without them (fails under CI)."""
    bindir = find_server_bindir(os.environ)
    if bindir is None:
        reason = unavailable_reason(os.environ)
        if in_ci():
            pytest.fail(f"{reason}. CI must run the PostgreSQL tests.", pytrace=False)
        pytest.skip(reason)
    return bindir


@pytest.fixture(scope="session")
def postgresql_server(request: pytest.FixtureRequest) -> Iterator[PostgreSQLServer]:
    """The session's PostgreSQL server: ``PGHOST``'s, or a throwaway cluster started here."""
    from_environment = server_from_environment(os.environ)
    if from_environment is not None:
        yield from_environment
        return
    bindir: Path = request.getfixturevalue("postgresql_bindir")
    cluster = ThrowawayCluster(bindir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgresql_databases(postgresql_server: PostgreSQLServer) -> Iterator[PostgreSQLDatabases]:
    """The session's database maker, for fixtures wider than a test; drops all at the end."""
    databases = PostgreSQLDatabases(postgresql_server)
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def new_postgresql_url(
    postgresql_server: PostgreSQLServer, postgresql_databases: PostgreSQLDatabases
) -> Iterator[NewDatabaseUrl]:
    """A factory of fresh, empty PostgreSQL databases; each dropped when the test ends."""
    made: list[str] = []

    def new() -> str:
        name = postgresql_databases.create()
        made.append(name)
        return postgresql_server.url(name)

    try:
        yield new
    finally:
        for name in made:
            postgresql_databases.drop(name)


def sqlite_url(directory: Path) -> str:
    """The SQLAlchemy URL of the SQLite file ``store.db`` in ``directory``."""
    return f"sqlite:///{directory / 'store.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty database: a SQLite file in ``tmp_path``, or on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    new: NewDatabaseUrl = request.getfixturevalue("new_postgresql_url")
    return new()
