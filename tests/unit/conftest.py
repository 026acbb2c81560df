"""Fixtures shared by unit tests: the network lab's module-scoped `lab` (tests/lab/fixture.py)."""

from tests.lab.fixture import lab  # noqa: F401
