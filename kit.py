#!/usr/bin/env python3
"""fedlearn-edu's one entry point: set up the classroom environment, then do one thing.

    python kit.py lab          set up (first time only) and open JupyterLab on the lessons
    python kit.py test         set up (first time only) and run the whole test suite
    python kit.py exercises    regenerate exercises/ from solutions/  (--check: only compare)
    python kit.py execute      re-run lesson/solution notebooks and store their outputs
    python kit.py slides       build reveal.js lecture slides of every lesson into build/slides/ (offline)
    python kit.py site         build the self-study website (lessons + exercises) into build/site/
    python kit.py flower       run the kit's model on Flower's deployment engine, one process per client,
                               and compare with the kit's engine (--clients 3 --rounds 3 --algorithm fedavg
                               --seed 0; --help for more)
    python kit.py translate    the Chinese edition: update catalogues, build zh/, check (see --help)
    python kit.py setup        only set up the environment

    --lang zh                  (lab, test, slides, site) the Chinese edition, 中文版: lab opens zh/ with
                               JupyterLab's own interface in Chinese; test runs the Chinese edition's checks;
                               slides and site build the Chinese pages. FEDLEARN_LANG=zh does the same.

exercises, execute, slides and site run the course-building modules in authoring/ (python -m
authoring.<name>, from this folder); they are not part of the fedlearn_edu package a lesson imports.

Runs with any Python 3.11 and the standard library alone, on Windows, macOS and Linux.
The environment lives in `.venv/` next to this file; a second run reuses it (it is only
rebuilt when requirements.txt, constraints.txt or pyproject.toml change).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "fedlearn-edu.stamp"
INSTALL_INPUTS = ("requirements.txt", "constraints.txt", "pyproject.toml")
# The same matplotlib backend for every kernel we start, so stored outputs match when re-run.
# A figure text that draws as boxes (a glyph missing from every font) is an error, not a warning; and the
# language of the stored outputs never depends on the person's FEDLEARN_LANG (Chinese notebooks choose theirs).
KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",
    "PYTHONWARNINGS": "error:Glyph:UserWarning",
    "FEDLEARN_LANG": "",
}
LANGUAGES = ("en", "zh")
# JupyterLab's own menus in Chinese: a settings folder of the kit's whose one setting picks the language pack.
LAB_SETTINGS_ZH = VENV / "jupyterlab-settings-zh"
LAB_LOCALE_SETTING = ("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")
SUPPORTED_PYTHON = (3, 11)


def say(msg: str) -> None:
    print(f"[kit] {msg}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        digest.update(name.encode())
        digest.update((ROOT / name).read_bytes())
    digest.update(f"{sys.version_info[:2]}".encode())
    return digest.hexdigest()


def run(cmd: list[str], **kwargs) -> None:
    completed = subprocess.run([str(c) for c in cmd], cwd=ROOT, **kwargs)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup() -> Path:
    """Create `.venv` and install the pinned classroom environment, unless already done."""
    if sys.version_info[:2] != SUPPORTED_PYTHON:
        say(
            "warning: the classroom environment is pinned and tested on Python 3.11; "
            f"you are running {sys.version_info.major}.{sys.version_info.minor}. "
            "If installing fails, install Python 3.11 and run this command with it."
        )
    py = venv_python()
    fingerprint = install_fingerprint()
    if py.exists() and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return py
    if not py.exists():
        say(f"creating the environment in {VENV.name}/ (first run only) ...")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    say("installing the pinned packages (first run: a few minutes; later runs skip this) ...")
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    run([*pip, "-r", "requirements.txt", "-c", "constraints.txt"])
    run([*pip, "--no-deps", "--editable", "."])
    STAMP.write_text(fingerprint + "\n")
    say("environment ready.")
    return py


def in_env(py: Path, args: list[str], env: dict | None = None) -> int:
    full_env = dict(os.environ, **(env or {}))
    # Make the venv's console scripts (jupyter, ...) findable by the tools we start.
    full_env["PATH"] = str(py.parent) + os.pathsep + full_env.get("PATH", "")
    return subprocess.run([str(py), *args], cwd=ROOT, env=full_env).returncode


def take_lang(extra: list[str]) -> tuple[str, list[str]]:
    """``--lang zh`` (or ``--lang=zh``) out of the arguments; else FEDLEARN_LANG; else English."""
    lang, rest, i = os.environ.get("FEDLEARN_LANG", "").strip().lower()[:2] or "en", [], 0
    while i < len(extra):
        if extra[i] == "--lang" and i + 1 < len(extra):
            lang, i = extra[i + 1].lower()[:2], i + 2
            continue
        if extra[i].startswith("--lang="):
            lang = extra[i].split("=", 1)[1].lower()[:2]
        else:
            rest.append(extra[i])
        i += 1
    if lang not in LANGUAGES:
        raise SystemExit(f"[kit] --lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang, rest


def cmd_lab(py: Path, extra: list[str]) -> int:
    lang, extra = take_lang(extra)
    env = {"FEDLEARN_LANG": lang}
    start = "notebooks/00_welcome.ipynb" if lang == "en" else "zh/notebooks/00_welcome.ipynb"
    if lang == "zh":  # in the settings folder already chosen, else in the kit's own; never over a choice
        settings = Path(os.environ.get("JUPYTERLAB_SETTINGS_DIR") or LAB_SETTINGS_ZH)
        setting = settings.joinpath(*LAB_LOCALE_SETTING)
        if not setting.exists():
            setting.parent.mkdir(parents=True, exist_ok=True)
            setting.write_text('{"locale": "zh_CN"}\n', encoding="utf-8")
        env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    args = [
        "-m",
        "jupyter",
        "lab",
        "--ServerApp.ip=127.0.0.1",  # only this computer can connect; token login stays on
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.default_url=/lab/tree/{start}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    say(
        "starting JupyterLab (stop it with Ctrl+C) ..."
        if lang == "en"
        else "正在启动 JupyterLab（按 Ctrl+C 停止）……"
    )
    return in_env(py, args + extra, env=env)


ZH_TESTS = ["zh/notebooks", "zh/solutions", "tests/test_translations.py", "tests/test_i18n.py"]


def cmd_test(py: Path, extra: list[str]) -> int:
    lang, extra = take_lang(extra)
    steps = [
        ("lint (ruff check)", ["-m", "ruff", "check", "."]),
        ("formatting (ruff format --check)", ["-m", "ruff", "format", "--check", "."]),
        ("exercises/ is what solutions/ generates", ["-m", "authoring.exercises", "--check"]),
        (
            "the Chinese edition is complete and what the catalogues build",
            ["-m", "authoring.translate", "check"],
        ),
        ("pytest: package, doctests, notebooks (nbval), exercises", ["-m", "pytest", *extra]),
    ]
    if lang == "zh":  # only the Chinese edition: its gate, its notebooks under nbval, its tests
        steps = [steps[3], ("pytest: the Chinese edition", ["-m", "pytest", *ZH_TESTS, *extra])]
    for title, args in steps:
        say(f"== {title}")
        code = in_env(py, args, env=KERNEL_ENV)
        if code != 0:
            say(f"FAILED: {title}")
            return code
    say("all tests passed.")
    return 0


def cmd_flower(py: Path, extra: list[str]) -> int:
    """Lesson 09's deployment (fedlearn_edu/frameworks/deploy.py does the work, in the environment)."""
    import signal

    env = dict(os.environ, **KERNEL_ENV)
    env["PATH"] = str(py.parent) + os.pathsep + env.get("PATH", "")
    child = subprocess.Popen([str(py), "-m", "fedlearn_edu.frameworks.deploy", *extra], cwd=ROOT, env=env)
    # Ctrl+C reaches the child too (same terminal): it stops every process it started, then exits.
    # We only wait for it -- killing it early would leave Flower's processes behind.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    commands = {
        "lab": cmd_lab,
        "test": cmd_test,
        "exercises": lambda py, extra: in_env(py, ["-m", "authoring.exercises", *extra]),
        "execute": lambda py, extra: in_env(py, ["-m", "authoring.execute", *extra], env=KERNEL_ENV),
        "slides": lambda py, extra: in_env(py, ["-m", "authoring.slides", *extra]),
        "site": lambda py, extra: in_env(py, ["-m", "authoring.site", *extra]),
        "translate": lambda py, extra: in_env(py, ["-m", "authoring.translate", *extra], env=KERNEL_ENV),
        "flower": cmd_flower,
        "setup": lambda py, extra: 0,
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    py = setup()
    return commands[argv[0]](py, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
