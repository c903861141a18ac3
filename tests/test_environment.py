"""The classroom environment is pinned exactly, the same way everywhere it is written down."""

import re

import pytest
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


def torch_build_problems(version: str, cuda: str | None, hip: str | None, pinned: str) -> list[str]:
    """What is wrong with an installed torch for the classroom: not the pinned version, or a GPU build.

    The CPU wheel from download.pytorch.org is ``2.13.0+cpu``; macOS and Windows wheels from PyPI are CPU-only
    and carry no local tag (``2.13.0``). A CUDA (``+cu128``) or ROCm build is the multi-GB download the README
    warns about, whatever its tag says: ``torch.version.cuda`` / ``torch.version.hip`` give it away.
    """
    problems = []
    base, _, local = version.partition("+")
    if base != pinned:
        problems.append(f"torch {version} is installed, requirements.txt pins {pinned}")
    if cuda is not None:
        problems.append(f"torch {version} is a CUDA {cuda} build, not the CPU one")
    if hip is not None:
        problems.append(f"torch {version} is a ROCm {hip} build, not the CPU one")
    if local not in ("", "cpu"):
        problems.append(f"torch {version}: local version tag {local!r}, expected 'cpu' or none")
    return problems


def test_the_installed_torch_is_the_pinned_cpu_build():
    # A loose requirement such as "torch>=2" resolves to a multi-GB CUDA build on Linux.
    import torch

    pinned = _pins(_requirement_lines())["torch"]
    assert pinned == "2.13.0"
    problems = torch_build_problems(
        torch.__version__, torch.version.cuda, getattr(torch.version, "hip", None), pinned
    )
    assert not problems, "; ".join(problems) + " -- see the README's 'CPU-only PyTorch'"


@pytest.mark.parametrize(
    ("version", "cuda", "hip", "wrong"),
    [
        ("2.13.0+cpu", None, None, False),  # Linux, from the CPU index
        ("2.13.0", None, None, False),  # macOS / Windows from PyPI
        ("2.13.0", "12.8", None, True),  # Linux from PyPI: the CUDA build, no tag
        ("2.13.0+cu128", "12.8", None, True),
        ("2.13.0+rocm6.4", None, "6.4", True),
        ("2.12.0+cpu", None, None, True),  # the wrong version
        ("2.13.0+cu128", None, None, True),  # a GPU tag even if cuda were not reported
    ],
)
def test_torch_build_problems_tells_a_cuda_build_from_the_cpu_one(version, cuda, hip, wrong):
    assert bool(torch_build_problems(version, cuda, hip, "2.13.0")) is wrong


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
