"""The database harness of the SQL adapter tests (tests/sql_databases.py)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql_databases import (
    BINDIR_VARIABLE,
    NO_POSTGRESQL,
    SERVER_PROGRAMS,
    NewDatabaseUrl,
    PostgreSQLDatabases,
    PostgreSQLServer,
    ThrowawayCluster,
    find_server_bindir,
    server_from_environment,
    skip_is_tolerated,
    unavailable_reason,
)

TESTS = Path(__file__).parent


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _make_table(url: str, name: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE TABLE {name} (id integer PRIMARY KEY)"))
            connection.execute(sa.text(f"INSERT INTO {name} (id) VALUES (1)"))
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The fixtures


def test_database_url_is_an_empty_writable_store(database_url: str) -> None:
    assert _tables(database_url) == []
    _make_table(database_url, "probe")
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id FROM probe")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_url_is_a_file_in_tmp_path(database_url: str, tmp_path: Path) -> None:
    url = sa.make_url(database_url)
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "store.db")
    _make_table(database_url, "probe")
    assert (tmp_path / "store.db").is_file()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_url_uses_psycopg_3(
    database_url: str, request: pytest.FixtureRequest, postgresql_server: PostgreSQLServer
) -> None:
    url = sa.make_url(database_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.username == postgresql_server.user
    assert request.node.get_closest_marker("postgresql") is not None
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT current_database()")).scalar_one() == (
                url.database
            )
            version = connection.execute(sa.text("SHOW server_version_num")).scalar_one()
            assert int(version) >= 120000
    finally:
        engine.dispose()


def test_fresh_postgresql_databases_are_distinct_empty_and_isolated(
    new_postgresql_url: NewDatabaseUrl,
) -> None:
    first = new_postgresql_url()
    _make_table(first, "only_in_first")
    second = new_postgresql_url()
    assert sa.make_url(first).database != sa.make_url(second).database
    assert _tables(second) == []
    assert _tables(first) == ["only_in_first"]


def test_tests_using_the_server_get_the_postgresql_marker(
    new_postgresql_url: NewDatabaseUrl, request: pytest.FixtureRequest
) -> None:
    assert request.node.get_closest_marker("postgresql") is not None


def test_created_databases_are_dropped_even_with_sessions_open(
    postgresql_server: PostgreSQLServer,
) -> None:
    databases = PostgreSQLDatabases(postgresql_server)
    try:
        name = databases.create()
        assert databases.exists(name)
        engine = sa.create_engine(postgresql_server.url(name))
        connection = engine.connect()  # a session a careless test left open
        databases.drop(name)
        assert not databases.exists(name)
        connection.invalidate()
        connection.close()
        engine.dispose()
    finally:
        databases.close()


def test_closing_the_database_maker_drops_what_is_left(
    postgresql_server: PostgreSQLServer,
) -> None:
    databases = PostgreSQLDatabases(postgresql_server)
    kept = databases.create()
    dropped = databases.create()
    databases.drop(dropped)
    databases.close()
    check = PostgreSQLDatabases(postgresql_server)
    try:
        assert not check.exists(kept)
        assert not check.exists(dropped)
    finally:
        check.close()


_RECORDING_TESTS = """
from pathlib import Path
import sqlalchemy

def test_records(new_postgresql_url, postgresql_databases, postgresql_server):
    names = [sqlalchemy.make_url(new_postgresql_url()).database for _ in range(2)]
    names.append(postgresql_databases.create())  # left for the end of the session
    Path("made.txt").write_text(" ".join(names))
    assert postgresql_server.port == {port}  # the PGHOST server, not a cluster of its own

def test_runs_next(postgresql_databases):
    *per_test, per_session = Path("made.txt").read_text().split()
    assert not any(postgresql_databases.exists(name) for name in per_test)
    assert postgresql_databases.exists(per_session)
"""


def test_a_session_on_the_pghost_server_drops_its_databases(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    postgresql_server: PostgreSQLServer,
    postgresql_databases: PostgreSQLDatabases,
) -> None:
    for variable, value in {
        "PGHOST": postgresql_server.host,
        "PGPORT": str(postgresql_server.port),
        "PGUSER": postgresql_server.user,
        "PGPASSWORD": postgresql_server.password or "",
        "PGDATABASE": postgresql_server.admin_database,
        "HYPOTHESIS_PROFILE": "quick",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv(BINDIR_VARIABLE, str(pytester.path / "no-postgresql"))
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_inner=_RECORDING_TESTS.format(port=postgresql_server.port))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    names = (pytester.path / "made.txt").read_text().split()
    assert len(set(names)) == 3
    assert not any(postgresql_databases.exists(name) for name in names)


def test_server_from_environment_serves_databases(postgresql_server: PostgreSQLServer) -> None:
    # As pg_virtualenv exports them: the harness then uses that server as is.
    environ = {
        "PGHOST": postgresql_server.host,
        "PGPORT": str(postgresql_server.port),
        "PGUSER": postgresql_server.user,
        "PGDATABASE": postgresql_server.admin_database,
    }
    if postgresql_server.password is not None:
        environ["PGPASSWORD"] = postgresql_server.password
    server = server_from_environment(environ)
    assert server is not None
    databases = PostgreSQLDatabases(server)
    try:
        name = databases.create()
        assert _tables(server.url(name)) == []
        databases.drop(name)
    finally:
        databases.close()


def test_server_from_environment_reads_libpq_variables() -> None:
    assert server_from_environment({"PGPORT": "5433"}) is None
    server = server_from_environment(
        {"PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "u", "PGPASSWORD": "p@s:s/w"}
    )
    assert server == PostgreSQLServer("db.example", 5433, "u", "p@s:s/w", "postgres")
    url = sa.make_url(server.url("d"))
    assert (url.drivername, url.username, url.password) == ("postgresql+psycopg", "u", "p@s:s/w")
    assert (url.host, url.port, url.database) == ("db.example", 5433, "d")
    socket_server = server_from_environment({"PGHOST": "/run/pg", "PGUSER": "u"})
    assert socket_server is not None
    assert sa.make_url(socket_server.url("d")).query == {"host": "/run/pg", "port": "5432"}


# ---------------------------------------------------------------------------------------------
# Finding the binaries


def _fake_bindir(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name in SERVER_PROGRAMS:
        program = directory / name
        program.write_text("#!/bin/sh\n")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return directory


def test_find_server_bindir_takes_the_newest_debian_version(tmp_path: Path) -> None:
    root = tmp_path / "postgresql"
    _fake_bindir(root / "9.6" / "bin")
    newest = _fake_bindir(root / "16" / "bin")
    _fake_bindir(root / "15" / "bin")
    (root / "17" / "bin").mkdir(parents=True)  # a client-only install: no server programs
    assert find_server_bindir({"PATH": ""}, debian_root=root) == newest


def test_find_server_bindir_prefers_path_to_the_debian_layout(tmp_path: Path) -> None:
    on_path = _fake_bindir(tmp_path / "local" / "bin")
    debian = tmp_path / "postgresql"
    _fake_bindir(debian / "15" / "bin")
    assert find_server_bindir({"PATH": str(on_path)}, debian_root=debian) == on_path


def test_find_server_bindir_override_is_the_only_place_looked(tmp_path: Path) -> None:
    debian = tmp_path / "postgresql"
    _fake_bindir(debian / "15" / "bin")
    missing = {BINDIR_VARIABLE: str(tmp_path / "absent"), "PATH": ""}
    assert find_server_bindir(missing, debian_root=debian) is None
    chosen = _fake_bindir(tmp_path / "chosen")
    assert find_server_bindir({BINDIR_VARIABLE: str(chosen)}, debian_root=debian) == chosen


def test_find_server_bindir_finds_nothing_without_postgresql(tmp_path: Path) -> None:
    assert find_server_bindir({"PATH": ""}, debian_root=tmp_path / "none") is None


# ---------------------------------------------------------------------------------------------
# The skip policy


def test_only_the_no_postgresql_skip_is_tolerated_and_never_under_ci() -> None:
    reason = unavailable_reason({BINDIR_VARIABLE: "/nowhere"})
    assert reason.startswith(NO_POSTGRESQL)
    assert skip_is_tolerated(reason, ci=False)
    assert not skip_is_tolerated(reason, ci=True)
    assert not skip_is_tolerated("holidays is not installed", ci=False)
    assert not skip_is_tolerated(f"because {NO_POSTGRESQL}", ci=False)


_INNER_TESTS = """
import pytest

def test_on_each_engine(database_url):
    assert database_url

def test_plain():
    pass
"""


def _run_without_postgresql(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, ci: bool, tests: str
) -> pytest.RunResult:
    """Run tests/conftest.py (the real one) in a subprocess where no PostgreSQL is found."""
    monkeypatch.setenv(BINDIR_VARIABLE, str(pytester.path / "no-postgresql"))
    for variable in ("PGHOST", "CI"):
        monkeypatch.delenv(variable, raising=False)
    if ci:
        monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "quick")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    )
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(test_inner=tests)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")


def test_no_postgresql_skips_with_the_reason_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run_without_postgresql(pytester, monkeypatch, ci=False, tests=_INNER_TESTS)
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*1 PostgreSQL test(s) skipped*", f"SKIPPED*{NO_POSTGRESQL}*"])
    assert result.ret == pytest.ExitCode.OK


def test_no_postgresql_fails_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run_without_postgresql(pytester, monkeypatch, ci=True, tests=_INNER_TESTS)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([f"*{NO_POSTGRESQL}*CI must run the PostgreSQL tests*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_any_other_skip_still_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    tests = _INNER_TESTS + "\ndef test_skipped():\n    pytest.skip('some optional package')\n"
    result = _run_without_postgresql(pytester, monkeypatch, ci=False, tests=tests)
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["*1 test(s) skipped: every test must run*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------------------------------------
# The throwaway cluster itself


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (stopped, not yet reaped by init) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_throwaway_cluster_stops_and_leaves_nothing_behind(postgresql_bindir: Path) -> None:
    cluster = ThrowawayCluster(postgresql_bindir)
    server = cluster.start()
    pid = cluster.postmaster_pid()
    assert pid is not None
    assert _alive(pid)
    with server.connect() as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    cluster.stop()
    cluster.stop()  # idempotent
    assert not _alive(pid)
    assert not cluster.directory.exists()


_KILLED_SESSION = """
import sys, time
from pathlib import Path
from sql_databases import ThrowawayCluster
cluster = ThrowawayCluster(Path(sys.argv[1]))
cluster.start()
print(cluster.postmaster_pid(), cluster.directory, flush=True)
time.sleep(120)
"""


def test_throwaway_cluster_dies_with_a_killed_test_process(postgresql_bindir: Path) -> None:
    session = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SESSION, str(postgresql_bindir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
    )
    assert session.stdout is not None
    pid_text, directory = session.stdout.readline().split()
    pid = int(pid_text)
    assert _alive(pid)
    session.kill()  # SIGKILL: no teardown, no atexit; only the watchdog is left to clean up
    session.wait()
    session.stdout.close()
    deadline = time.monotonic() + 30
    while (_alive(pid) or Path(directory).exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert not Path(directory).exists()
