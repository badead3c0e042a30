"""Import Great Expectations without the two libraries that only unused expectations need.

``import great_expectations`` imports every built-in expectation, and one of them (the KL
divergence of a column's distribution) imports scipy.stats and altair at the top of its module
for a statistic and a chart it computes only when it runs. They were about 1 s of the
2.5 s of CPU the import costs, paid in every process that validates a suite, and no suite here
uses that expectation. :func:`import_great_expectations` puts a stand-in for each of the two
modules in ``sys.modules`` first: the first attribute anyone reads from a stand-in imports the
real module, which then serves that read and every later one, so code that does use them still
works, only later.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

# imported by an expectation's module, used only when that expectation runs
DEFERRED = ("altair", "scipy.stats")

_lock = threading.RLock()


class _Deferred(types.ModuleType):
    """A module that imports the real one at the first attribute read that it cannot answer
    (its name and spec it answers itself, so importing it again does not load it)."""

    def __getattr__(self, attribute: str):
        return getattr(_load(self), attribute)


def _load(stand_in: _Deferred) -> types.ModuleType:
    with _lock:
        real = stand_in.__dict__.get("_real_module")
        if real is None:
            name = stand_in.__name__
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent and getattr(sys.modules.get(parent), child, None) is stand_in:
                delattr(sys.modules[parent], child)
            real = importlib.import_module(name)
            # later reads through the stand-in (names bound by `import x as y`) find them here
            stand_in.__dict__.update(real.__dict__)
            stand_in.__dict__["_real_module"] = real
        return real


def defer(name: str) -> None:
    """Put a stand-in for the module ``name`` in ``sys.modules`` unless it is imported."""
    with _lock:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)  # imports the parent package (scipy: cheap)
        if spec is None:
            return
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in
        parent, _, child = name.rpartition(".")
        if parent:
            # `from scipy import stats` reads the attribute before it looks in sys.modules
            setattr(sys.modules[parent], child, stand_in)


def import_great_expectations() -> types.ModuleType:
    """``import great_expectations``, with the modules of DEFERRED imported when first used."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED:
            defer(name)
    import great_expectations

    return great_expectations
