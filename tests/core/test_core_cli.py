from __future__ import annotations

import subprocess
import sys

from medvlp.cli.main import build_parser, main


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = sorted(sub.choices)  # type: ignore[union-attr]
    assert names, "no subcommands discovered"
    for name in names:
        help_text = sub.choices[name].format_help()  # type: ignore[index]
        assert name in help_text


def test_no_command_prints_help_and_fails() -> None:
    assert main([]) == 2


def test_console_entry_point_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "medvlp.cli.main", "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "usage: medvlp" in out.stdout
