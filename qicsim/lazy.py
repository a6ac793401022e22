"""Imports on demand: attributes imported on first use (PEP 562), callable packages, optional extras.

Start-up stays light: the command line, the config and the errors need neither Mesa nor
pandas, and the model and a plain run need none of the studies' packages. Those packages are
imported inside :func:`needs_extra`, so that without them a command prints one line naming
the extra to install (``pip install 'qicsim[studies]'``), not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from qicsim.errors import QicsimError


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


class MissingExtraError(QicsimError, ModuleNotFoundError):
    """A package of one of qicsim's extras is not installed; ``key`` is the package.

    Also a ``ModuleNotFoundError``, as code that imports optional packages expects.
    """

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        super().__init__(key, problem, allowed)
        self.name = key  # ModuleNotFoundError's attribute: the package not found


@contextmanager
def needs_extra(extra: str) -> Iterator[None]:
    """Imports inside need ``qicsim[<extra>]``: a missing package becomes a one-line :class:`MissingExtraError`.

    Example::

        with needs_extra("studies"):
            from SALib.analyze import morris

    Args:
        extra: The extra that installs the packages imported inside (``studies``, ``dashboard``).

    Raises:
        MissingExtraError: If a package imported inside is not installed (qicsim's own modules excepted).
    """
    try:
        yield
    except ModuleNotFoundError as error:
        package = (error.name or "").split(".")[0]
        if isinstance(error, MissingExtraError) or package in ("", "qicsim"):
            raise
        raise MissingExtraError(package, f"not installed (part of qicsim[{extra}])",
                                f"pip install 'qicsim[{extra}]'") from error
