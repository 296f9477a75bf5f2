"""``--compat twenty`` (``TWENTY_COMPAT=twenty``): read from the command line, passed to worker processes."""

from __future__ import annotations

import pytest
from twenty_server.cli import build_parser, settings_from_args
from twenty_server.workers import worker_argv

from twenty_actors.settings import Settings


def test_option_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWENTY_COMPAT", raising=False)
    assert settings_from_args(build_parser().parse_args(["serve"])).compat is None
    assert not Settings().twenty
    chosen = settings_from_args(build_parser().parse_args(["serve", "--compat", "twenty"]))
    assert chosen.compat == "twenty"
    assert chosen.twenty
    monkeypatch.setenv("TWENTY_COMPAT", "twenty")
    assert settings_from_args(build_parser().parse_args(["serve"])).twenty
    monkeypatch.setenv("TWENTY_COMPAT", "")
    assert settings_from_args(build_parser().parse_args(["serve"])).compat is None


@pytest.mark.parametrize("argv", [["serve", "--compat", "hubspot"], ["serve", "--compat", "Twenty"]])
def test_unknown_modes_are_refused(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TWENTY_COMPAT", raising=False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert "unknown compatibility mode" in capsys.readouterr().err


def test_an_unknown_mode_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWENTY_COMPAT", "bogus")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve"])


def test_workers_get_the_mode() -> None:
    argv = worker_argv(Settings(compat="twenty"), "postgresql://x", 2)
    assert argv[argv.index("--compat") + 1] == "twenty"
    assert "--compat" not in worker_argv(Settings(), "postgresql://x", 2)
