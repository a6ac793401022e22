"""Attributes of a package imported on first use (PEP 562), to keep start-up imports light."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_getattr(namespace: dict[str, Any], package: str, lazy: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each of ``lazy``'s names from its module when first asked.

    Args:
        namespace: The package's ``globals()``: a name, once imported, is kept there, so later
            look-ups do not come back here.
        package: The package's name, for the error.
        lazy: Attribute name to the module that defines it.
    """

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(import_module(lazy[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
