"""What a call fails with when the component itself fails (not its input).

Kept apart from the loader so that code can catch them whether or not
wasmtime is importable."""

from __future__ import annotations


class ComponentTrap(RuntimeError):
    """The component trapped, ran out of memory or time; its instance was replaced."""


class MemoryLimitExceeded(ComponentTrap):
    """A call needed more than the instance's memory cap; its instance was replaced."""


class DeadlineExceeded(ComponentTrap):
    """A call ran past its deadline and was interrupted; its instance was replaced."""


class InstanceUnavailable(ComponentTrap):
    """No instance could be made for a call (for example, the process is out of
    memory mappings); nothing was run, and the next call tries again."""
