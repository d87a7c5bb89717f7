"""Parley's Django project. ``__version__`` is the package version, as pyproject.toml says."""

import tomllib
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
__version__ = tomllib.loads(_PYPROJECT.read_text())["project"]["version"]
