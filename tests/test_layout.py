"""The repository layout: http/ must not shadow the standard library, and layers import downwards only.

server/ (twenty_server: the command line, worker processes) → http/ (twenty_http) → twenty_actors/ →
storage/ (twenty_storage). Each layer imports only the layers below it, and http/ reaches storage only
through twenty_actors.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# folder → import name (http/ and storage/ are mapped in pyproject.toml)
PACKAGES = {"server": "twenty_server", "http": "twenty_http", "twenty_actors": "twenty_actors",
            "storage": "twenty_storage"}
LAYERS = list(PACKAGES.values())  # top first


def test_stdlib_http_is_not_shadowed_with_the_root_first_on_sys_path() -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import http, http.client, http.server\n"
        "assert http.__file__ and not http.__file__.startswith(sys.argv[1]), http.__file__\n"
        "assert hasattr(http.client, 'HTTPConnection') and hasattr(http, 'HTTPStatus')\n"
        "import twenty_http, twenty_http.app, twenty_storage.pg, httpx, hypercorn.trio\n"
        "print(http.client.__file__)\n"
        "print(twenty_http.app.__file__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(ROOT)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    stdlib_http, app = result.stdout.split()
    assert not stdlib_http.startswith(str(ROOT))
    assert Path(app).resolve() == ROOT / "http" / "app.py"


def _modules() -> list[tuple[str, str, Path]]:
    found = []
    for folder, import_name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.append((folder, import_name, path))
    return found


def _imports(import_name: str, path: Path) -> set[str]:
    """Top-level names of every module imported anywhere in the file (relative imports resolved)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(import_name if node.level else (node.module or "").split(".")[0])
    return names


def test_every_package_has_modules() -> None:
    counts = {folder: sum(1 for f, _, _ in _modules() if f == folder) for folder in PACKAGES}
    assert all(counts.values()), counts
    assert not (ROOT / "http" / "__init__.py").exists()
    assert not (ROOT / "storage" / "__init__.py").exists()
    assert not (ROOT / "server" / "__init__.py").exists()


@pytest.mark.parametrize(("folder", "import_name", "path"), _modules(),
                         ids=[str(p.relative_to(ROOT)) for _, _, p in _modules()])
def test_imports_respect_the_layers(folder: str, import_name: str, path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    names = _imports(import_name, path)
    level = LAYERS.index(import_name)
    higher = set(LAYERS[:level])
    assert not names & higher, f"{relative} imports a higher layer: {sorted(names & higher)}"
    if import_name == "twenty_http":
        assert "twenty_storage" not in names, f"{relative} imports twenty_storage: go through twenty_actors"
    assert not names & {"asyncio", "uvloop", "asyncpg"}, f"{relative}: the project runs on Trio alone"
    if relative != "storage/driver.py":
        assert "psycopg" not in names, f"{relative}: only storage/driver.py talks to libpq"
