"""A real Citus cluster for the session: Citus built (once, cached) into the embedded PostgreSQL, then a
coordinator and two workers on loopback ports. ``pg_dsn`` is the coordinator's, so the usual ``server``,
``client`` and ``account`` fixtures run against it.

Skipped only when no Citus source tarball is found ($TWENTY_CITUS_SOURCE, or the vendored one).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from twenty_server import citus


@pytest.fixture(scope="session")
def citus_cluster() -> Iterator[citus.Cluster]:
    """1 coordinator + 2 workers, for the whole session."""
    source = citus.find_source()
    if source is None:
        looked = ", ".join(str(p) for p in citus.default_sources()) or "the vendored path"
        pytest.skip(f"no Citus source found: set {citus.SOURCE_ENV} to a citus-*.tar.gz (looked in {looked})")
    citus.build(source, quiet=True)  # a no-op when this tarball is installed already
    directory = Path(tempfile.mkdtemp(prefix="twenty-citus-"))
    try:
        with citus.local_cluster(directory, workers=2) as cluster:
            yield cluster
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_dsn(citus_cluster: citus.Cluster) -> str:
    """The coordinator's DSN: the server under test runs on Citus."""
    return citus_cluster.dsn
