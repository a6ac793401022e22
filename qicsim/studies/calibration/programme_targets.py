"""The table of calibration targets across programmes: read, checked, and written out as docs.

``configs/calibration/targets_programmes.yaml`` holds one entry per target (programme, model
statistic, definition, source and where in it, observed value, tolerance and the rule behind it,
end point or time course, and whether it can enter a fit today). :func:`load_table` reads it into
:class:`TargetTable` and refuses bad input with one line naming the file and the field;
:func:`render_markdown` writes ``docs/calibration_targets.md`` from it, and a test keeps the two equal::

    python -m qicsim.studies.calibration.programme_targets --write

PROSPER is refused: it is held out of calibration and of the choice of structure.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qicsim.config.names import is_plain
from qicsim.config.paths import config_dir
from qicsim.errors import ConfigError
from qicsim.studies.calibration.statistics import NO_STATISTIC, STATISTICS, needs_model
from qicsim.studies.calibration.targets import HELD_OUT
from qicsim.studies.validation.targets import TARGETS as VALIDATION_TARGETS

FILE = "targets_programmes.yaml"  # in configs/calibration/
DOCS = Path(__file__).resolve().parents[3] / "docs" / "calibration_targets.md"
KINDS = ("end-point", "time-course")
STATUSES = ("usable", "needs-model-statistic", "not-used")
HELD_OUT_PROGRAMMES = ("prosper",)  # held out of calibration and of the choice of structure (issue 21)
REQUIRED = ("id", "programme", "scenario", "statistic", "kind", "status", "definition", "observed", "source",
            "where", "tolerance_rule")
OPTIONAL = ("value", "tolerance", "points", "note", "overlaps_validation")
NOT_FOUND_KEYS = ("programme", "sought", "searched")
# A validation quantity under another name: the statistic by event is the validation's mean over events.
VALIDATION_QUANTITY = {"event_attendance_by_event": "event_attendance_per_team"}


@dataclass(frozen=True)
class Point:
    """One observed value: at week (or event number) ``at`` for a time course, ``at`` None for an end point."""

    at: float | None
    value: float
    tolerance: float | None


@dataclass(frozen=True)
class ProgrammeTarget:
    """One row of the table (see the YAML file's header for the meaning of each field)."""

    id: str
    programme: str
    scenario: str
    statistic: str
    kind: str
    status: str
    definition: str
    observed: str
    source: str
    where: str
    tolerance_rule: str
    points: tuple[Point, ...]
    note: str = ""
    overlaps_validation: str = ""

    @property
    def usable(self) -> bool:
        """Whether the target can enter a fit today."""
        return self.status == "usable"

    def statistic_keys(self) -> list[str]:
        """One key per point (``id``, or ``id@at`` in a time course): the names of the distance's statistics."""
        if self.kind == "end-point":
            return [self.id]
        return [f"{self.id}@{point.at:g}" for point in self.points]


@dataclass(frozen=True)
class NotFound:
    """A figure that was looked for and not found: it enters no fit."""

    programme: str
    sought: str
    searched: str


@dataclass(frozen=True)
class TargetTable:
    """The whole table."""

    targets: tuple[ProgrammeTarget, ...]
    not_found: tuple[NotFound, ...]

    def usable(self) -> tuple[ProgrammeTarget, ...]:
        """The targets that can enter a fit today."""
        return tuple(t for t in self.targets if t.usable)

    def programmes(self) -> list[str]:
        """The programmes with a usable target, in first-use order."""
        return list(dict.fromkeys(t.programme for t in self.usable()))


def table_path() -> Path:
    """``configs/calibration/targets_programmes.yaml`` (shipped with the configs)."""
    return config_dir() / "calibration" / FILE


class _Checker:
    """One-line errors naming the file and the field."""

    def __init__(self, path: Path) -> None:
        self.name = path.name

    def fail(self, field: str, problem: str, allowed: str) -> None:
        raise ConfigError(f"{self.name}: {field}", problem, allowed)

    def text(self, field: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(field, f"{value!r} is not a non-empty text", "a non-empty string")
        return value

    def number(self, field: str, value: Any, *, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(field, f"{value!r} is not a finite number", "a finite number")
        if positive and value <= 0:
            self.fail(field, f"{value!r} is not positive", "a number > 0 (the scale of the distance)")
        return float(value)


def _point(check: _Checker, field: str, raw: Any, status: str) -> Point:
    if not isinstance(raw, dict) or set(raw) - {"at", "value", "tolerance"} or not {"at", "value"} <= set(raw):
        check.fail(field, f"{raw!r} is not a point", "a mapping {at, value, tolerance}")
    tolerance = raw.get("tolerance")
    if tolerance is not None or status == "usable":
        tolerance = check.number(f"{field}.tolerance", tolerance, positive=True)
    at = check.number(f"{field}.at", raw["at"])
    if at < 0:
        check.fail(f"{field}.at", f"{at:g} is negative", "a week of the run (>= 0) or an event number (>= 1)")
    return Point(at, check.number(f"{field}.value", raw["value"]), tolerance)


def _target(check: _Checker, index: int, raw: Any, scenarios: Path) -> ProgrammeTarget:
    if not isinstance(raw, dict):
        check.fail(f"targets[{index}]", "is not a mapping", "a mapping with " + ", ".join(REQUIRED))
    where = f"targets[{raw.get('id', index)}]"
    for key in REQUIRED:
        if key not in raw:
            check.fail(f"{where}.{key}", "missing", "every target has " + ", ".join(REQUIRED))
        check.text(f"{where}.{key}", raw[key])
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        check.fail(f"{where}.{unknown[0]}", "unknown field", ", ".join(REQUIRED + OPTIONAL))
    if not is_plain(raw["id"]):
        check.fail(f"{where}.id", f"{raw['id']!r} is not a plain name", "letters, digits, _, - and .")
    kind, status, statistic = raw["kind"], raw["status"], raw["statistic"]
    if kind not in KINDS:
        check.fail(f"{where}.kind", f"{kind!r} is not a kind", " or ".join(KINDS))
    if status not in STATUSES:
        check.fail(f"{where}.status", f"{status!r} is not a status", ", ".join(STATUSES))
    if any(p in (raw["programme"] + " " + raw["scenario"]).lower() for p in HELD_OUT_PROGRAMMES):
        check.fail(f"{where}.programme", "PROSPER is held out of calibration and of the choice of structure",
                   "another programme (PROSPER is a held-out check: qicsim/studies/validation)")
    if statistic == NO_STATISTIC:
        if status != "not-used":
            check.fail(f"{where}.statistic", "none (no model counterpart) in a target that is not 'not-used'",
                       "a statistic of qicsim.studies.calibration.statistics, or status not-used")
    elif statistic not in STATISTICS:
        check.fail(f"{where}.statistic", f"{statistic!r} is not a known statistic",
                   f"one of {', '.join(STATISTICS)} (or {NO_STATISTIC})")
    else:
        if STATISTICS[statistic].time_course != (kind == "time-course"):
            check.fail(f"{where}.kind", f"{kind} does not match {statistic}",
                       "time-course for a statistic taking `at`, end-point otherwise")
        missing = needs_model(statistic)
        if status == "usable" and missing:
            check.fail(f"{where}.status", f"usable, but {statistic} needs {', '.join(missing)} from the model",
                       "needs-model-statistic")
        if status == "needs-model-statistic" and not missing:
            check.fail(f"{where}.status", f"needs-model-statistic, but {statistic} is computed from today's tables",
                       "usable or not-used")
    if status == "usable":
        if raw["programme"].upper() == "PEACH" and statistic in HELD_OUT:
            check.fail(f"{where}.statistic", f"{statistic} is held out for validation (issue 12, item 4)",
                       "a statistic not in qicsim.studies.calibration.targets.HELD_OUT")
        if not (scenarios / f"{raw['scenario']}.yaml").is_file():
            check.fail(f"{where}.scenario", f"no configs/scenario/{raw['scenario']}.yaml",
                       "a shipped scenario built from the programme's description")
    if status == "not-used" and not str(raw.get("note", "")).strip():
        check.fail(f"{where}.note", "missing: a target not used says why", "a non-empty note")
    if kind == "end-point":
        if "points" in raw:
            check.fail(f"{where}.points", "given for an end point", "value and tolerance")
        if "value" not in raw:
            check.fail(f"{where}.value", "missing", "the observed value (a figure not found goes under not_found)")
        point = _point(check, where, {"at": 0, **{k: raw[k] for k in ("value", "tolerance") if k in raw}}, status)
        points = (Point(None, point.value, point.tolerance),)
    else:
        if "value" in raw or "tolerance" in raw:
            check.fail(f"{where}.value", "given for a time course", "points: [{at, value, tolerance}, ...]")
        raw_points = raw.get("points")
        if not isinstance(raw_points, list) or not raw_points:
            check.fail(f"{where}.points", "missing or empty", "a list of {at, value, tolerance}")
        points = tuple(_point(check, f"{where}.points[{i}]", p, status) for i, p in enumerate(raw_points))
        ats = [p.at for p in points]
        if ats != sorted(set(ats)):
            check.fail(f"{where}.points", f"`at` {ats} is not strictly increasing", "points in time order")
    overlap = raw.get("overlaps_validation", "")
    quantity = VALIDATION_QUANTITY.get(statistic, statistic)
    checks = {t.key: t for t in VALIDATION_TARGETS}
    if overlap and (overlap not in checks or checks[overlap].scenario != raw["scenario"]):
        check.fail(f"{where}.overlaps_validation", f"{overlap!r} is not a validation check of {raw['scenario']}",
                   "a key of qicsim.studies.validation.targets.TARGETS with the same scenario")
    same = [t.key for t in VALIDATION_TARGETS if t.scenario == raw["scenario"] and t.quantity == quantity]
    if same and status != "not-used" and overlap not in same:
        check.fail(f"{where}.overlaps_validation", f"missing: validation check {same[0]} observes the same quantity",
                   f"overlaps_validation: {same[0]} (fitting it takes the check out of the held-out set)")
    return ProgrammeTarget(id=raw["id"], programme=raw["programme"], scenario=raw["scenario"], statistic=statistic,
                           kind=kind, status=status, definition=raw["definition"], observed=raw["observed"],
                           source=raw["source"], where=raw["where"], tolerance_rule=raw["tolerance_rule"],
                           points=points, note=str(raw.get("note", "")), overlaps_validation=overlap)


def parse_table(data: Any, path: Path, scenarios: Path) -> TargetTable:
    """Check parsed YAML and build the table.

    Args:
        data: The parsed YAML document.
        path: The file it came from (named in errors).
        scenarios: The folder of scenario files a usable target's scenario must be in.

    Raises:
        ConfigError: On the first field not allowed, naming the file and the field.
    """
    check = _Checker(path)
    if not isinstance(data, dict) or set(data) - {"targets", "not_found"}:
        check.fail("(top level)", "not a mapping of targets and not_found", "keys targets and not_found")
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        check.fail("targets", "missing or empty", "a list of targets")
    targets = tuple(_target(check, i, raw, scenarios) for i, raw in enumerate(raw_targets))
    ids = [t.id for t in targets]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        check.fail(f"targets[{duplicate}].id", "used twice", "a unique id per target")
    not_found = []
    for i, raw in enumerate(data.get("not_found") or []):
        if not isinstance(raw, dict) or set(raw) != set(NOT_FOUND_KEYS):
            check.fail(f"not_found[{i}]", f"{raw!r} is not an entry", "a mapping of " + ", ".join(NOT_FOUND_KEYS))
        not_found.append(NotFound(*(check.text(f"not_found[{i}].{k}", raw[k]) for k in NOT_FOUND_KEYS)))
    return TargetTable(targets, tuple(not_found))


def load_table(path: Path | str | None = None) -> TargetTable:
    """Read and check the table (the shipped one by default).

    Raises:
        ConfigError: For a missing or unreadable file, or a field not allowed (one line, naming both).
    """
    path = Path(path) if path is not None else table_path()
    if not path.is_file():
        raise ConfigError(str(path), "does not exist", f"a YAML file like configs/calibration/{FILE}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(path.name, f"cannot be read: {str(exc).splitlines()[0]}", "valid YAML") from exc
    return parse_table(data, path, config_dir() / "scenario")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def _observed(target: ProgrammeTarget) -> str:
    if target.kind == "end-point":
        return f"{target.points[0].value:g}"
    return "; ".join(f"{p.value:g} at {p.at:g}" for p in target.points)


def _tolerance(target: ProgrammeTarget) -> str:
    values = [p.tolerance for p in target.points]
    if all(v is None for v in values):
        return "not set"
    return "; ".join("-" if v is None else f"{v:g}" for v in values)


def render_markdown(table: TargetTable) -> str:
    """``docs/calibration_targets.md``: the table, one row per target, and the figures not found."""
    usable = table.usable()
    lines = [
        "# Calibration targets across programmes",
        "",
        f"Generated from [configs/calibration/{FILE}](../configs/calibration/{FILE}) by",
        "`python -m qicsim.studies.calibration.programme_targets --write`; do not edit by hand (a test",
        "keeps the two equal). Issue 21, item 1: every target's definition, source, observed value and",
        "tolerance, fixed in a commit before the calibration runs. PROSPER is not here: it is held out",
        "of calibration and of the choice of structure.",
        "",
        f"**{len(usable)} of {len(table.targets)} targets can enter a fit today**, from "
        f"{len(table.programmes())} programmes ({', '.join(table.programmes())}). "
        "`needs-model-statistic`: observed and sourced, but the statistic needs an output the model does "
        "not write yet; `not-used`: found but not a value to fit to (the note says why). The tolerance "
        "is the scale of the distance (qicsim/studies/calibration/distance.py): a simulated value one "
        "tolerance from the observation adds 1 to it. For a time course, `value at x` is the value at "
        "week x (or at event x for statistics by event), and its points count as one target.",
        "",
        "| programme | target | statistic (kind) | observed value | tolerance | status |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {_cell(t.programme)} | [`{t.id}`](#{t.id.replace('_', '-')}) | `{t.statistic}` ({t.kind}) | "
              f"{_observed(t)} | {_tolerance(t)} | {t.status} |" for t in table.targets]
    lines += ["", "## Each target: definition, observation, tolerance, source", ""]
    for t in table.targets:
        lines += [f"### {t.id}", "",
                  f"- **Programme** {_cell(t.programme)} (scenario `{t.scenario}`); **status** {t.status}.",
                  f"- **Statistic** `{t.statistic}` ({t.kind}): {_cell(t.definition)}.",
                  f"- **Observed** {_cell(t.observed)}: {_observed(t)}.",
                  f"- **Tolerance** {_tolerance(t)}: {_cell(t.tolerance_rule)}.",
                  f"- **Source** {_cell(t.source)}; where: {_cell(t.where)}."]
        if t.note:
            lines.append(f"- **Note** {_cell(t.note)}.")
        if t.overlaps_validation:
            lines.append(f"- **Overlaps** the held-out validation check `{t.overlaps_validation}`: fitting this "
                         "target takes that check out of the held-out set (docs/validation.md must then say so).")
        lines.append("")
    lines += ["## Looked for and not found", "",
              "These figures were looked for in public sources and not found; none enters a fit.", "",
              "| programme | sought | where we looked |", "|---|---|---|"]
    lines += [f"| {_cell(n.programme)} | {_cell(n.sought)} | {_cell(n.searched)} |" for n in table.not_found]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Check the table; with ``--write``, write docs/calibration_targets.md from it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOCS.name} from the table")
    args = parser.parse_args(argv)
    text = render_markdown(load_table())
    if args.write:
        DOCS.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
