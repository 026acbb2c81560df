"""Lab tests need root and network namespaces (they skip otherwise); see docs/lab.md."""

from __future__ import annotations

from tests.lab.fixture import lab  # noqa: F401  (the module-scoped `lab` fixture)
