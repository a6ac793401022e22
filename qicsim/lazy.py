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


def make_callable(module_name: str, target: str, *, deprecated: str | None = None) -> None:
    """Let a package be called like the function it is named after.

    ``qicsim.run`` is both the run wing (a subpackage) and the plain API's verb
    (``qicsim.run("peach")``): a package cannot be a function, so the package's module object
    forwards calls to ``target``. Imports of its submodules work as for any package.

    Args:
        module_name: The package (``__name__`` of its ``__init__``).
        target: ``"module:function"`` that a call runs, imported on the first call.
        deprecated: If given, a call warns (``DeprecationWarning``) with this text.
    """
    import sys
    import types
    import warnings

    target_module, function = target.split(":")

    class CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            if deprecated:
                warnings.warn(deprecated, DeprecationWarning, stacklevel=2)
            return getattr(import_module(target_module), function)(*args, **kwargs)

    sys.modules[module_name].__class__ = CallableModule
