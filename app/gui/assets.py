"""Where the wizard's icons come from: the one resource resolver in app/resources.py."""

from __future__ import annotations

from pathlib import Path

from app import resources


def resources_dir() -> Path:
    """The resources/ folder (checkout, editable install or frozen build alike)."""
    return resources.assets_dir()


def icon_path(name: str) -> Path:
    """Path of resources/icons/<name>.svg."""
    return resources.icon(name)
