"""Optional dependencies: a package of an extra that is not installed is one line naming the extra.

The model and a plain run need only qicsim's core dependencies. The studies (designed sweeps and
their analyses, calibration, validation, the funding comparison) need ``pip install 'qicsim[studies]'``;
the dashboard needs ``qicsim[dashboard]``. Their modules import those packages inside
:func:`needs_extra`, so that without them the command-line tools print one line, not a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from qicsim.errors import QicsimError


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
