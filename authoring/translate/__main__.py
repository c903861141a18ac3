"""``python -m authoring.translate update|build|check|todo|fill`` (``python kit.py translate ...``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import authoring.translate
from authoring.translate.commands import cmd_build, cmd_fill, cmd_todo, cmd_update
from authoring.translate.gate import cmd_check
from authoring.translate.paths import ROOT
from authoring.translate.rules import TranslationError


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(
        prog="python kit.py translate", description=authoring.translate.__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=["update", "build", "check", "todo", "fill"])
    parser.add_argument("files", nargs="*", help="todo: a catalogue; fill: a catalogue and a JSON file")
    parser.add_argument("--no-execute", action="store_true", help="build: do not run changed notebooks")
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            return cmd_update(root)
        if args.command == "build":
            return cmd_build(root, execute=not args.no_execute)
        if args.command == "check":
            return cmd_check(root)
        if args.command == "todo":
            return cmd_todo(Path(args.files[0]))
        return cmd_fill(Path(args.files[0]), json.loads(Path(args.files[1]).read_text(encoding="utf-8")))
    except TranslationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
