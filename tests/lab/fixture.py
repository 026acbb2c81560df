"""pytest fixtures for the network lab; other test folders can use them too:

    from tests.lab.fixture import lab  # noqa: F401  (then take `lab` as a test argument)

The lab is module-scoped: built once per test module (about 1.5 s), reconfigured per scenario with
`lab.apply(name)` (about 0.1 s), torn down by the finalizer, at exit, or on SIGTERM/SIGHUP; a crashed
run's leftovers are removed when the next lab comes up. Tests using it should carry the `lab` marker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab.lab import Lab, lab_unavailable_reason


def skip_unless_lab_possible() -> None:
    """Skip (with the reason) when not root or when `ip netns` is unavailable."""
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """A running lab (scenario `open`); `lab.apply(name)`, `lab.run(argv)`, `lab.app_check(out)`."""
    skip_unless_lab_possible()
    the_lab = Lab()
    the_lab.up("open")
    try:
        yield the_lab
    finally:
        the_lab.down()
