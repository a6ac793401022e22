"""Folder and file names made from free text (a scenario's name, a run's overrides): safe, and still telling.

A *plain name* (letters, digits, ``_``, ``-`` and ``.``, not starting with a dot) is used as it
is. Any other text becomes a *slug* (letters, digits and ``_ . , = + -`` only, brackets and
quotes dropped, at most :data:`SLUG_LENGTH` characters) followed by a short hash of the full
text: ``peach+contexts.protected_time.schedule=week_52,intensity_0-3f2a9c1d``. The slug keeps the
name readable; the hash keeps two texts whose slugs agree apart, and with the full text (which
the run's provenance records) it names the folder exactly. No name holds a path separator or
``..``, so a name can never lead out of the folder it is made in.
"""

from __future__ import annotations

import hashlib
import re

from qicsim.errors import ConfigError

SLUG_LENGTH = 80
HASH_LENGTH = 8
PLAIN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{SLUG_LENGTH - 1}}}")
PLAIN_ALLOWED = f"a plain name: letters, digits, _, - and ., not starting with a dot, at most {SLUG_LENGTH} characters"
_DROPPED = re.compile(r"[\[\]{}()'\"]")  # brackets and quotes say nothing a reader needs in a folder's name
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+-]+")


def is_plain(text: str) -> bool:
    """Whether ``text`` is a plain name (see the module's docstring), safe as it is."""
    return PLAIN.fullmatch(text) is not None and ".." not in text


def short_hash(text: str) -> str:
    """The first :data:`HASH_LENGTH` hex digits of the SHA-256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def slug(text: str) -> str:
    """``text`` reduced to safe characters: readable, but not unique (:func:`safe_name` adds the hash)."""
    text = _UNSAFE.sub("_", _DROPPED.sub("", text))
    text = re.sub(r"_*([=,+])_*", r"\1", text)  # no filler beside a separator: "week: 52, x" -> "week_52,x"
    text = re.sub(r"([=,+])\1+", r"\1", text)  # "peach++key" (a "+key" override) -> "peach+key"
    text = re.sub(r"\.{2,}", ".", text)
    return text[:SLUG_LENGTH].strip("._=,+-") or "name"


def safe_name(text: str) -> str:
    """A plain name as it is; any other text as its slug and the short hash of the full text."""
    return text if is_plain(text) else f"{slug(text)}-{short_hash(text)}"


def check_plain_name(key: str, value: str) -> str:
    """Refuse a name given for a folder or file that is not plain (``../..``, ``a/b``, ``.hidden``).

    Returns:
        The name.

    Raises:
        ConfigError: Naming the setting and what is allowed.
    """
    if not isinstance(value, str) or not is_plain(value):
        raise ConfigError(key, f"{value!r} is not a plain name", PLAIN_ALLOWED)
    return value
