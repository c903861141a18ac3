"""The classroom environment is pinned exactly, the same way everywhere it is written down."""

import re

import tomllib
from conftest import ROOT

from fedlearn_edu import envcheck

PIN = re.compile(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-\[\]]+)==([0-9][^\s#;]*)\s*(?:#.*)?$")


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = PIN.match(line)
        if match:
            pins[_canon(match.group(1))] = match.group(2)
    return pins


def _requirement_lines():
    return [
        ln
        for ln in (ROOT / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]


def test_every_requirement_is_pinned_exactly():
    lines = _requirement_lines()
    assert lines
    for line in lines:
        assert PIN.match(line), f"requirements.txt: {line!r} is not pinned with =="


def test_environment_yml_lists_the_same_versions_as_requirements():
    text = (ROOT / "environment.yml").read_text()
    yml_pins = _pins(text.splitlines())
    req_pins = _pins(_requirement_lines())
    for name, version in req_pins.items():
        assert yml_pins.get(name) == version, (
            f"{name}: requirements.txt has {version}, environment.yml has {yml_pins.get(name)}"
        )
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.MULTILINE), "environment.yml must pin python=3.11"


def test_constraints_agree_with_requirements():
    constraints = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in _pins(_requirement_lines()).items():
        assert constraints.get(name) == version, (
            f"{name}: requirements.txt {version} vs constraints.txt {constraints.get(name)}"
        )


def test_torch_pin_resolves_to_the_cpu_build_here():
    # A loose requirement such as "torch>=2" resolves to a multi-GB CUDA build on this kind of machine.
    assert _pins(_requirement_lines())["torch"] == "2.13.0"


def test_envcheck_knows_the_classroom_pins():
    req_pins = _pins(_requirement_lines())
    for requirement in envcheck.REQUIREMENTS:
        assert req_pins.get(_canon(requirement.distribution)) == requirement.pinned, requirement.distribution


def test_envcheck_reports_a_missing_package(capsys):
    missing = envcheck.Requirement("surely-not-installed-xyz", "xyz", "1.0", "nothing")
    ok = envcheck.report(envcheck.check([missing]))
    out = capsys.readouterr().out
    assert not ok and "✗ surely-not-installed-xyz" in out and "python kit.py lab" in out


def test_pyproject_uses_ranges_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    assert deps and not [d for d in deps if "==" in d], (
        "pyproject.toml is for importers: use ranges, pins live in requirements.txt"
    )
