"""Browser assets (reveal.js, require.js, MathJax) kept in the repository so slides and pages work offline.

See README.md in this folder for where each file comes from and under which licence.

>>> sorted(p.name for p in ASSETS.iterdir() if p.is_dir())
['mathjax', 'requirejs', 'reveal.js']
>>> verify()
[]
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

ASSETS = Path(__file__).resolve().parent
TEMPLATES = ASSETS.parent / "templates"
SUMS = ASSETS / "SHA256SUMS"


def listed() -> dict[str, str]:
    """Relative path -> sha256, as written in SHA256SUMS."""
    pairs = (line.split(maxsplit=1) for line in SUMS.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in pairs}


def verify() -> list[str]:
    """Files that are missing or differ from SHA256SUMS (an empty list: the copies are intact)."""
    bad = []
    for name, digest in listed().items():
        path = ASSETS / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(name)
    return bad


def copy_into(folder: Path) -> Path:
    """Copy the listed assets to ``folder/assets`` (replacing an older copy); return that folder."""
    target = Path(folder) / "assets"
    if target.exists():
        shutil.rmtree(target)
    for name in listed():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSETS / name, target / name)
    return target
