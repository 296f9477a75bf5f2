"""A local Citus cluster, for tests and for trying the server on Citus: build Citus, start and stop nodes.

    python -m twenty_server.citus build [--source TARBALL] [--if-found]
    python -m twenty_server.citus start --workers N --dir DIR     # prints the coordinator's DSN
    python -m twenty_server.citus status --dir DIR
    python -m twenty_server.citus stop --dir DIR

``build`` compiles Citus from a source tarball (``--source``, else ``TWENTY_CITUS_SOURCE``, else the
vendored one beside the repository) against the embedded PostgreSQL's ``pg_config``, and installs it into
that PostgreSQL's ``lib/`` and ``share/extension/``. It builds once: a stamp beside the installed files
records the tarball's SHA-256, and a second ``build`` of the same tarball does nothing.

``start`` makes (first time: ``initdb``) a coordinator and N workers under DIR, on free loopback ports,
with the embedded binaries (as root, as the system user the embedded server runs as), creates the
extension on each, registers the workers with the coordinator, and prints the coordinator's DSN. Starting
again reuses the same data and ports. ``stop`` stops every node (committed data stays).

From Python (tests): ``with local_cluster(directory, workers=2) as cluster:`` or
``async with open_local_cluster(...)``; ``cluster.dsn`` is the coordinator's, ``cluster.nodes`` every node.

Citus (AGPL-3.0) runs inside the database servers; nothing of it is linked into twenty-actors.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import trio
from twenty_storage import citus as citus_sql
from twenty_storage.embedded import (
    give_to_server_user,
    is_running,
    pg_bin,
    run_as_server_user,
    socket_dir_for,
)
from twenty_storage.pg import open_storage

ROOT = Path(__file__).resolve().parent.parent
SOURCE_ENV = "TWENTY_CITUS_SOURCE"
HOST = "127.0.0.1"
_STAMP = "citus.twenty-build"  # beside citus.control: the SHA-256 of the tarball that was installed
_STATE = "cluster.json"
_NODE_SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "listen_addresses": f"'{HOST}'",
    "unix_socket_permissions": "0777",
    "max_connections": "200",
    "timezone": "'UTC'",
    "wal_level": "logical",  # citus_schema_move copies a schema with logical replication
    "citus.node_conninfo": "'sslmode=disable'",  # the nodes talk over loopback
    "log_min_messages": "warning",
}


class CitusError(RuntimeError):
    """Citus could not be built, or the cluster could not be started."""


# --- build ----------------------------------------------------------------------------------------


def _pginstall() -> Path:
    return Path(pg_bin("pg_config")).parent.parent


def default_sources() -> list[Path]:
    """Where a Citus source tarball is looked for when none is given."""
    found: list[Path] = []
    for vendor in (ROOT.parent / "shared" / "vendor" / "citus", Path("/work/shared/vendor/citus")):
        found.extend(sorted(vendor.glob("citus-*.tar.gz"), reverse=True))
    return list(dict.fromkeys(found))


def find_source(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The tarball to build: ``explicit``, else $TWENTY_CITUS_SOURCE, else the first default that exists."""
    given = explicit or os.environ.get(SOURCE_ENV)
    if given:
        path = Path(given)
        if not path.is_file():
            raise CitusError(f"no Citus source at {path}")
        return path
    return next((path for path in default_sources() if path.is_file()), None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def installed() -> bool:
    """Whether a Citus build is installed in the embedded PostgreSQL."""
    prefix = _pginstall()
    return (prefix / "lib" / "citus.so").is_file() and (prefix / "share" / "extension" / _STAMP).is_file()


def build(source: Path, *, jobs: int | None = None, quiet: bool = False) -> bool:
    """Build and install Citus from ``source`` unless that very tarball is installed; whether it built."""
    prefix = _pginstall()
    stamp = prefix / "share" / "extension" / _STAMP
    digest = _sha256(source)
    with open(prefix / ".citus-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs building at once: one builds, the other waits
        if installed() and stamp.read_text().strip() == digest:
            return False
        pg_config = pg_bin("pg_config")
        cflags = subprocess.run([pg_config, "--cflags"], capture_output=True, text=True, check=True).stdout
        # pg_config's CFLAGS carry -Wmissing-variable-declarations, which older gcc (Debian 12) rejects
        cflags = " ".join(flag for flag in cflags.split() if flag != "-Wmissing-variable-declarations")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="citus-build-") as work:
            with tarfile.open(source) as tar:
                tar.extractall(work, filter="data")
            tops = [p for p in Path(work).iterdir() if p.is_dir()]
            if len(tops) != 1 or not (tops[0] / "configure").is_file():
                raise CitusError(f"{source} is not a Citus source tarball (no configure at its top)")
            tree = tops[0]
            log_path = Path(work) / "build.log"
            steps = [
                ["./configure", f"PG_CONFIG={pg_config}", "--without-libcurl", "--without-lz4",
                 "--without-zstd"],
                ["make", f"-j{jobs or os.cpu_count() or 2}", f"CFLAGS={cflags}"],
                ["make", "install"],
            ]
            with log_path.open("w") as log:
                for step in steps:
                    if not quiet:
                        print("citus build:", " ".join(step[:2]), flush=True)
                    done = subprocess.run(step, cwd=tree, stdout=log, stderr=subprocess.STDOUT, check=False)
                    if done.returncode != 0:
                        tail = log_path.read_text(errors="replace").splitlines()[-30:]
                        raise CitusError(f"{' '.join(step[:2])} failed:\n" + "\n".join(tail))
        stamp.write_text(digest + "\n")
        if not quiet:
            print(f"citus build: installed into {prefix} in {time.monotonic() - started:.0f} s", flush=True)
        return True


# --- the cluster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One PostgreSQL server of the cluster."""

    name: str  # "coordinator", "worker1", …
    port: int
    pgdata: Path

    @property
    def role(self) -> str:
        return "coordinator" if self.name == "coordinator" else "worker"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"


@dataclass(frozen=True)
class Cluster:
    """A coordinator and its workers under one directory."""

    directory: Path
    nodes: tuple[Node, ...]

    @property
    def coordinator(self) -> Node:
        return self.nodes[0]

    @property
    def workers(self) -> tuple[Node, ...]:
        return self.nodes[1:]

    @property
    def dsn(self) -> str:
        """The coordinator's DSN: what the server's --database-url points at."""
        return self.coordinator.dsn


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _load(directory: Path) -> Cluster | None:
    state = directory / _STATE
    if not state.is_file():
        return None
    data = json.loads(state.read_text())
    nodes = tuple(Node(n["name"], int(n["port"]), directory / n["name"]) for n in data["nodes"])
    return Cluster(directory, nodes)


def _init_node(node: Node, socket_dir: Path) -> None:
    node.pgdata.mkdir(parents=True, exist_ok=True)
    give_to_server_user(node.pgdata, socket_dir)
    if not (node.pgdata / "PG_VERSION").exists():
        run_as_server_user([pg_bin("initdb"), "-D", str(node.pgdata), "--auth=trust", "--encoding=utf8",
                            "-U", "postgres"], timeout=120)
        settings = {**_NODE_SETTINGS, "port": str(node.port), "unix_socket_directories": f"'{socket_dir}'"}
        with (node.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\n# a node of a local Citus cluster (python -m twenty_server.citus)\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())


def _start_node(node: Node) -> None:
    if is_running(node.pgdata):
        return
    run_as_server_user([pg_bin("pg_ctl"), "-D", str(node.pgdata), "-w", "-t", "60", "-l",
                        str(node.pgdata / "log"), "start"], timeout=90)


def _stop_node(node: Node) -> None:
    if is_running(node.pgdata):
        run_as_server_user([pg_bin("pg_ctl"), "-D", str(node.pgdata), "-w", "-t", "60", "-m", "fast", "stop"],
                           timeout=90)


def start_nodes(directory: Path, workers: int = 2) -> Cluster:
    """Initialise (first time) and start the nodes' PostgreSQL servers; the cluster, not yet set up."""
    if not installed():
        raise CitusError("Citus is not built into the embedded PostgreSQL: "
                         "run `python -m twenty_server.citus build`")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cluster = _load(directory)
        if cluster is None:
            ports = _free_ports(workers + 1)
            names = ["coordinator", *(f"worker{i}" for i in range(1, workers + 1))]
            nodes = tuple(Node(n, p, directory / n) for n, p in zip(names, ports, strict=True))
            cluster = Cluster(directory, nodes)
        socket_dir = socket_dir_for(directory)
        socket_dir.mkdir(parents=True, exist_ok=True)
        for node in cluster.nodes:
            _init_node(node, socket_dir)
        (directory / _STATE).write_text(json.dumps(
            {"nodes": [{"name": n.name, "port": n.port} for n in cluster.nodes]}, indent=2))
        try:
            for node in cluster.nodes:
                _start_node(node)
        except RuntimeError as exc:
            for node in cluster.nodes:
                _stop_node(node)
            raise CitusError(f"a node did not start: {exc}") from exc
        return cluster


async def set_up(cluster: Cluster) -> None:
    """CREATE EXTENSION citus on every node, then register the workers with the coordinator."""
    for node in cluster.nodes:
        async with open_storage(node.dsn, min_size=1, max_size=1, timeout_s=60) as db:
            await citus_sql.create_extension(db)
    async with open_storage(cluster.dsn, min_size=1, max_size=1, timeout_s=60) as db:
        await citus_sql.register_nodes(db, (HOST, cluster.coordinator.port),
                                       [(HOST, node.port) for node in cluster.workers])


def stop_cluster(directory: Path) -> bool:
    """Stop every node of the cluster under ``directory``; whether there was one."""
    cluster = _load(directory.resolve())
    if cluster is None:
        return False
    for node in reversed(cluster.nodes):
        _stop_node(node)
    return True


def start_cluster(directory: Path, workers: int = 2) -> Cluster:
    """Start (and the first time, create) a coordinator and ``workers`` workers; the running cluster."""
    cluster = start_nodes(directory, workers)
    try:
        trio.run(set_up, cluster)
    except BaseException:
        stop_cluster(directory)
        raise
    return cluster


@contextmanager
def local_cluster(directory: Path, workers: int = 2) -> Iterator[Cluster]:
    """A running cluster for the block; stopped afterwards (its data stays in ``directory``)."""
    cluster = start_cluster(directory, workers)
    try:
        yield cluster
    finally:
        stop_cluster(directory)


@asynccontextmanager
async def open_local_cluster(directory: Path, workers: int = 2) -> AsyncIterator[Cluster]:
    """The async form of :func:`local_cluster`, for Trio code."""
    cluster = await trio.to_thread.run_sync(start_nodes, directory, workers)
    try:
        await set_up(cluster)
        yield cluster
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(stop_cluster, directory)


# --- the command line -----------------------------------------------------------------------------


def _status(directory: Path) -> int:
    cluster = _load(directory.resolve())
    if cluster is None:
        print(f"no cluster in {directory}")
        return 1
    for node in cluster.nodes:
        state = "running" if is_running(node.pgdata) else "stopped"
        print(f"{node.name:12} {node.role:11} {HOST}:{node.port:<6} {state}")
    print(cluster.dsn)
    return 0 if all(is_running(n.pgdata) for n in cluster.nodes) else 3


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m twenty_server.citus``."""
    parser = argparse.ArgumentParser(prog="python -m twenty_server.citus",
                                     description="build Citus into the embedded PostgreSQL; "
                                                 "run a local cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build and install Citus from a source tarball (once)")
    b.add_argument("--source", help=f"the tarball (default: ${SOURCE_ENV}, else the vendored one)")
    b.add_argument("--if-found", action="store_true", help="no source found: say so and exit 0")
    b.add_argument("--jobs", type=int, default=None, help="parallel make jobs (default: one per core)")
    for name, text in (("start", "start a coordinator and workers; prints the coordinator's DSN"),
                       ("stop", "stop the cluster's nodes"), ("status", "show the nodes and the DSN")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--dir", type=Path, default=Path(".twenty-citus"),
                       help="where the nodes keep their data (default .twenty-citus)")
        if name == "start":
            p.add_argument("--workers", type=int, default=2, help="number of worker nodes (default 2)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            source = find_source(args.source)
            if source is None:
                looked = ", ".join(str(p) for p in default_sources()) or "nowhere"
                print(f"no Citus source found (set {SOURCE_ENV} or --source; looked for citus-*.tar.gz in "
                      f"{looked})", file=sys.stderr)
                return 0 if args.if_found else 2
            built = build(source, jobs=args.jobs)
            if not built:
                print(f"citus build: {source.name} is already installed; nothing to do")
            return 0
        if args.command == "start":
            cluster = start_cluster(args.dir, max(1, args.workers))
            print(cluster.dsn)
            return 0
        if args.command == "stop":
            if not stop_cluster(args.dir):
                print(f"no cluster in {args.dir}", file=sys.stderr)
                return 1
            return 0
        return _status(args.dir)
    except CitusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
