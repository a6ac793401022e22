"""One slide figure per context C1-C10 for docs/teaching.md: ``python experiments/teaching_slides.py``.

Each figure is ``qicsim plot`` of PEACH as shipped against PEACH with that one context
switched (to 0 where PEACH has it, to 1 where PEACH lacks it: C10), 20 replications on the
same seeds, with the outcome the programme theory says the context moves and the context's
own mechanism count. Each replication draws its structure and parameters together from the
model-averaged ensemble ``programmes`` (``--ensemble``; qicsim plot's default since issue 21), the
same draw in both conditions; ``--ensemble peach --structure peach_2026`` draws the slides as they were
made before. Writes docs/img/teaching/c<k>_<context>.png (16:9, 1920x1080) and a .json of provenance
beside each; about a minute and a half on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qicsim.apps.cli.plot import plot

# Context -> (the changed condition's overrides, the outcome panel). The outcome is the
# context's outcome in qicsim.model.contexts.CONTEXTS where that is a weekly series, else the
# nearest weekly series (named in docs/teaching.md).
SLIDES: dict[str, tuple[str, str]] = {
    "remit_clarity": ("contexts.remit_clarity.intensity=0,contexts.remit_clarity.schedule=[]", "implemented"),
    "prior_partnership": ("contexts.prior_partnership.intensity=0", "implemented"),
    "hierarchy_reduction": ("contexts.hierarchy_reduction.intensity=0", "projects_led_care_home"),
    "protected_time": ("contexts.protected_time.intensity=0", "attendances"),
    "alignment": ("contexts.alignment.intensity=0", "in_place"),
    "qi_coaching": ("contexts.qi_coaching.intensity=0", "implemented"),
    "network_recruitment": ("contexts.network_recruitment.intensity=0", "implemented"),
    "meetings_in_care_homes": ("contexts.meetings_in_care_homes.intensity=0", "attendances_care_home"),
    "learning_events": ("contexts.learning_events.intensity=0", "spread_implemented"),
    "data_support": ("contexts.data_support.intensity=1", "measured_cycles"),
}
CODES = {name: f"c{i}" for i, name in enumerate(SLIDES, start=1)}


def summary_table(folder: Path) -> str:
    """Final medians (week 130) of every slide: PEACH as shipped against the changed condition.

    The last column is the change in the outcome by the structure each run drew (mean over its runs),
    where the slide draws from a model-averaged ensemble; "disagree" where two structures with at least
    3 runs move it opposite ways (qicsim.apps.slides.structures).
    """
    rows = ["| context | changed | outcome | PEACH | changed | mechanism | PEACH | changed | change by structure |",
            "|---|---|---|---:|---:|---|---:|---:|---|"]
    for name in SLIDES:
        record = json.loads((folder / f"{CODES[name]}_{name}.json").read_text())
        base, changed = (record["final_medians"][label] for label in record["labels"])
        split = record.get("structures", {}).get(record["labels"][1])
        by_structure = "" if split is None else (("**disagree**: " if split["disagree"] else "") + ", ".join(
            f"{s} {c['mean_change']:+.3g} ({int(c['runs'])})" for s, c in split["changes"].items()))
        rows.append(f"| {CODES[name].upper()} {name} | {record['labels'][1]} | {record['outcome']} | "
                    f"{base['outcome']:g} | {changed['outcome']:g} | {record['mechanism']} | "
                    f"{base['mechanism']:.0f} | {changed['mechanism']:.0f} | {by_structure} |")
    return "\n".join(rows)


def main() -> None:
    """Draw every slide (or those named with --only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/teaching"))
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=list(SLIDES), choices=list(SLIDES))
    parser.add_argument("--structure", default=None,
                        help="a structure both conditions run under (default: none set; over the model-averaged "
                             "default ensemble each replication draws its own, which a setting here cannot "
                             "override; with --ensemble peach use peach_2026, the structure it was fitted under)")
    parser.add_argument("--ensemble", default="programmes",
                        help="the ensemble both conditions draw from (default programmes, the model-averaged "
                             "calibration across programmes: docs/teaching.md's slides and table were made with it)")
    parser.add_argument("--summary", action="store_true",
                        help="print a Markdown table of the slides' final medians from their .json files, run nothing")
    args = parser.parse_args()
    if args.summary:
        print(summary_table(args.out))
        return
    for name in args.only:
        overrides, outcome = SLIDES[name]
        slide = args.out / f"{CODES[name]}_{name}.png"
        for earlier in (slide, slide.with_suffix(".json")):  # remaking the slides is this script's job;
            earlier.unlink(missing_ok=True)  # qicsim plot itself never writes over an earlier plot
        # A structure named by --structure is shared by both conditions; by default each run's is drawn.
        shared = f"structure={args.structure}," if args.structure else ""
        base = f"peach:{shared.rstrip(',')}" if shared else "peach"
        path = plot([base, f"peach:{shared}{overrides}", "--replications", str(args.replications),
                     "--outcome", outcome, "--ensemble", args.ensemble, "--out", str(slide)])
        print(f"{name}: {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
