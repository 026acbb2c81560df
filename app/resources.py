"""The one resource resolver: package data (profiles, schema, templates) and resources/ (icons), anchored on
`importlib.resources`, so the same code works from a checkout, an editable install and a PyInstaller build."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# build.spec puts package data under <bundle>/app/... and resources/ beside it, as in the checkout.
ASSETS_DIRNAME = "resources"


def package_root() -> Path:
    """The folder of the `app` package (in a frozen build: inside the unpacked bundle)."""
    return Path(str(resources.files("app")))


def app_file(*parts: str) -> Path:
    """A data file shipped inside the `app` package, e.g. `app_file("profiles", "kudo.toml")`."""
    return package_root().joinpath(*parts)


def assets_dir() -> Path:
    """The resources/ folder (icons, branding) that sits beside the `app` package."""
    return package_root().parent / ASSETS_DIRNAME


def asset(*parts: str) -> Path:
    """A file under resources/, e.g. `asset("icons", "callready.svg")`."""
    return assets_dir().joinpath(*parts)


def icon(name: str) -> Path:
    """Path of resources/icons/<name>.svg."""
    return asset("icons", f"{name}.svg")
