"""The ``qicsim`` command: a thin Hydra entry point around plain functions, and two subcommands.

``qicsim plot ...`` and ``qicsim compare ...`` are subcommands of one argument parser
(:func:`command_parser`); any other command line (settings ``key=value``, ``-m``, ``--cfg job``,
``--help``) is Hydra's: a run, a sweep, or the config or help printed.

Before Hydra runs anything, the command line is checked on every path (a single run, a
multirun ``-m``, ``--cfg job``; each value of a sweep): the config is composed and
validated, the output folder must be writable and must not already hold a result, and a
designed sweep's folder must not hold another sweep. Bad input therefore fails with one
line and exit code 2, and nothing on disk changes. A run into a folder named on the command
line (``hydra.run.dir=X``) claims it before Hydra writes there, so a second command into X
is refused before it writes anything (:func:`qicsim.run.folders.claim`). Inside the Hydra job the config is
validated again (for multirun jobs); on failure the job's folder, which then holds only
Hydra's own files, is removed.

Exit codes: 0 done; 1 a file could not be written; 2 bad input (a setting, a file, a run too
big for this machine's memory); 3 a sweep is incomplete (points are missing: run the same
command again); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), the incomplete folder named
and the run's partial tables removed (:mod:`qicsim.apps.cli.console`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import sys
import threading
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import NoReturn

import hydra
from filelock import Timeout
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from qicsim.apps.cli import console
from qicsim.config.changes import result_changes
from qicsim.config.loader import (
    CONFIG_NAME,
    compose_config,
    compose_in_job,
    config_dir,
    label_text,
    load_bases,
    parse_overrides,
    register_schema,
    run_label,
    to_config,
)
from qicsim.config.schema import Config
from qicsim.errors import ConfigError, QicsimError, exit_with, usage_error
from qicsim.lazy import MissingExtraError
from qicsim.run.estimate import check_fits
from qicsim.run.folders import CLAIM, PARTS, check_output_folder, check_writable, claim, lock_of, release
from qicsim.run.workers import OWNER_ENV, follow_parent, owner_from_environment

# The simulation and its tables (Mesa, pandas, pyarrow, matplotlib) are imported where a run or
# a sweep needs them, not at start: ``qicsim --help`` and a refused command stay quick.

EXIT_BAD_INPUT = 2
# Each subcommand: the module whose parser() defines its arguments and whose main() runs it, and its line of help.
COMMANDS = {
    "plot": ("qicsim.apps.cli.plot", "conditions on shared axes, for slides"),
    "compare": ("qicsim.apps.cli.compare", "what funding options cost and buy; --optimise: the best mix"),
}
# A first word that names a command: a bare word. Hydra's settings hold "=" (or start with "~" or
# "+"), its flags start with "-"; a bare word is neither, so it is a command or a mistake.
COMMAND_WORD = re.compile(r"[A-Za-z_][\w-]*")
# The launchers of the studies extra, by their name in configs/hydra/launcher (or Hydra's), and their plugin.
LAUNCHER_PLUGINS = {"joblib": "hydra_plugins.hydra_joblib_launcher", "slurm": "hydra_plugins.hydra_submitit_launcher",
                    "submitit_slurm": "hydra_plugins.hydra_submitit_launcher",
                    "submitit_local": "hydra_plugins.hydra_submitit_launcher"}


def fail(error: QicsimError) -> NoReturn:
    """Print a one-line error and exit (2; 3 for an incomplete sweep)."""
    exit_with(error, "qicsim")


def interrupted(folder: Path | None, what: str = "incomplete") -> NoReturn:
    """Ctrl-C (SIGTERM): one line naming the folder left incomplete, exit code 130 (143)."""
    console.stopped("qicsim", f"; {folder} is {what}" if folder is not None else "")


def run_job(cfg: DictConfig) -> None:
    """The Hydra task: validate, then run one chunk of a designed sweep, or simulate and write."""
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        take_interrupts()
    except KeyboardInterrupt:  # during Hydra's set-up of this run: nothing of ours was written
        remove_incomplete(out)
        interrupted(out, "incomplete (no provenance.json)" if out.exists() else "not written")
    owner = owner_from_environment()
    if owner is not None:  # in a launcher's worker (Hydra's joblib): it leaves Ctrl-C to the command, dies with it
        follow_parent(owner)
    try:
        config = to_config(cfg)
        if config.sweep.design != "none":
            run_sweep_job(config)
            return
    except QicsimError as error:
        remove_incomplete(out)
        fail(error)
    except MemoryError:  # caught here: Hydra would print its traceback
        remove_incomplete(out)
        fail(console.out_of_memory())
    except KeyboardInterrupt:
        remove_incomplete(out)
        if HydraConfig.get().mode == RunMode.MULTIRUN:  # a sweep's job: the sweep resumes
            interrupted(Path(HydraConfig.get().sweep.dir), "incomplete; the same command resumes it")
        interrupted(out, "incomplete (no provenance.json)" if out.exists() else "not written")
    try:
        from qicsim.run.output import write_run  # inside the try: Ctrl-C during these imports is an interrupt too
        from qicsim.run.summary import summary

        changes = result_changes(list(HydraConfig.get().overrides.task))
        results = write_run(config, out, changes=changes, label=folder_label(config.scenario, out))
    except QicsimError as error:
        remove_incomplete(out)
        fail(error)
    except MemoryError:
        remove_incomplete(out)
        fail(console.out_of_memory())
    except KeyboardInterrupt:
        remove_incomplete(out)
        interrupted(out, "incomplete (no provenance.json)" if out.exists() else "not written")
    print(summary(results, out, changes=changes))


def folder_label(scenario: str, out: Path) -> dict[str, str] | None:
    """What the run's folder is named after, for its provenance (None when the folder was named by hand).

    Returns:
        ``name`` (the folder's name), ``overrides`` (Hydra's ``override_dirname``, in full) and
        ``sha256`` of ``<scenario>+<overrides>``, whose first characters end a name that is not plain.
    """
    overrides = HydraConfig.get().job.override_dirname
    name = run_label(scenario, overrides)
    if out.parent.name != name:
        return None
    return {"name": name, "overrides": overrides,
            "sha256": hashlib.sha256(label_text(scenario, overrides).encode()).hexdigest()}


_interrupted_early = False  # Ctrl-C or SIGTERM came while Hydra set up a single run (see main)


def note_interrupt(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM while Hydra sets up a single run: remember it for run_job, which names the folder."""
    global _interrupted_early
    _interrupted_early = True
    console.note_signal(signum)


def take_interrupts() -> None:
    """From here on Ctrl-C raises KeyboardInterrupt (SIGTERM its kind); one noted during set-up is raised now."""
    if threading.current_thread() is not threading.main_thread():  # a launcher's thread: handlers are the main's
        return
    console.restore_handlers()
    if _interrupted_early:
        raise KeyboardInterrupt


def run_sweep_job(config: Config) -> None:
    """Run this job's chunk of a designed sweep into the multirun's sweep folder."""
    from qicsim.studies.sweep.jobs import run_job as run_job_chunk
    from qicsim.studies.sweep.plan import make_plan

    hydra_cfg = HydraConfig.get()
    folder = Path(hydra_cfg.runtime.cwd) / hydra_cfg.sweep.dir
    bases = {name: compose_in_job(name) for name in config.sweep.bases}
    plan = make_plan(config, folder, bases or None)
    report = run_job_chunk(plan, config.sweep.job)
    print(f"qicsim: {plan.name} job {report.job + 1}/{plan.sweep.jobs}: {report.status}, {report.runs} runs"
          f" in {report.seconds:.1f} s", flush=True)


def remove_incomplete(folder: Path) -> None:
    """Remove a job folder's partial tables, and the folder if it then holds nothing but Hydra's own files.

    Nothing is removed while another command is writing into it.
    """
    # Hydra names its log after the task's module (main.log) or the script
    own = {".hydra", f"{Path(sys.argv[0]).stem}.log", "main.log", "cli.log", "qicsim.log", CLAIM}
    if not folder.is_dir():
        return
    lock = lock_of(folder / CLAIM)
    try:
        lock.acquire(timeout=0)
    except Timeout:  # another run's folder (this one was refused there): not ours to remove
        return
    try:
        shutil.rmtree(folder / PARTS, ignore_errors=True)  # partial tables: never part of a result
        if all(p.name in own for p in folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.release()


def sweep_values(overrides: list[str]) -> list[list[str]]:
    """Each sweep override (``a=1,2``) expanded to its values, the other overrides as given.

    Every value is checked once, beside the first value of the other sweeps: the number of
    compositions grows with the sum of the values, not their product.
    """
    parsed = parse_overrides(overrides)
    choices = [[f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()] if o.is_sweep_override()
               else [o.input_line] for o in parsed]
    first = [c[0] for c in choices]
    combos = [first]
    for i, values in enumerate(choices):
        combos += [[*first[:i], v, *first[i + 1:]] for v in values[1:]]
    return combos


def resolved_folder(cfg: DictConfig, key: str) -> Path | None:
    """A folder setting of Hydra's (``hydra.run.dir``, ``hydra.sweep.dir``), or None if it resolves only in a job."""
    try:
        value = OmegaConf.select(cfg, key, throw_on_missing=True)
    except OmegaConfBaseException:
        return None
    return Path(value) if value else None


def preflight(argv: list[str]) -> list[str]:
    """Check the command line before Hydra runs; return overrides to add (fewer jobs than asked).

    Args:
        argv: The arguments after ``qicsim``.

    Returns:
        Extra overrides (``sweep.jobs=<points>`` when a design has fewer points than jobs).

    Raises:
        QicsimError: For any bad input, with a one-line message.
    """
    return check_command(argv).extra


@dataclass(frozen=True)
class Checked:
    """What the check of a command line found.

    Attributes:
        extra: Overrides to add (fewer jobs than asked).
        single: Whether the command is one run in this process (not a multirun, not ``--cfg``).
        claim: For one run into a folder named on the command line (``hydra.run.dir=X``), that
            folder: it is claimed before Hydra writes its own files there.
    """

    extra: list[str]
    single: bool
    claim: Path | None = None


def check_command(argv: list[str]) -> Checked:
    """:func:`preflight`, and whether the command is one run in this process, and which folder it claims."""
    hydra_parser = get_args_parser()
    # Hydra's parser would print its usage block (8 lines) before the error: one line instead, as every command.
    hydra_parser.error = lambda message: usage_error("qicsim", message)  # type: ignore[method-assign]
    args = hydra_parser.parse_args(argv)
    if args.help or args.hydra_help or args.info or args.shell_completion:
        return Checked([], False)
    for flag, value in (("--config-path", args.config_path), ("--config-name", args.config_name),
                        ("--config-dir", args.config_dir)):
        if value is not None:
            raise ConfigError(flag, "qicsim's own configs cannot be replaced",
                              "hydra.searchpath=[file://<folder>] to add your own scenarios")
    extra: list[str] = []
    single = not args.cfg
    folder: Path | None = None
    for i, overrides in enumerate(sweep_values(args.overrides)):
        check_launcher(overrides)
        cfg = compose_config(overrides, with_hydra=True)
        config = to_config(cfg)
        if args.cfg:  # --cfg prints the config; it runs nothing and writes nothing
            continue
        multirun = args.multirun or cfg.hydra.mode == RunMode.MULTIRUN
        single = single and not multirun
        if "SlurmLauncher" in str(cfg.hydra.launcher.get("_target_", "")) and shutil.which("sbatch") is None:
            raise ConfigError("hydra/launcher", "slurm: this machine has no Slurm (no sbatch command)",
                              "run it on a Slurm login node, or hydra/launcher=joblib for this machine's cores")
        if config.sweep.design == "none":  # a designed sweep's is checked with its plan, below
            check_fits(config)  # a run too big for this machine's memory: refused before Hydra starts
        if not multirun:
            folder = resolved_folder(cfg, "hydra.run.dir")
            if folder is not None:
                check_output_folder(folder, "hydra.run.dir")
            continue
        folder = resolved_folder(cfg, "hydra.sweep.dir")
        if folder is not None:
            check_writable(folder, "hydra.sweep.dir")
        if folder is not None and i == 0 and config.sweep.design != "none":
            from qicsim.studies.sweep.plan import check_folder, make_plan

            bases = load_bases(config.sweep.bases, overrides) if config.sweep.bases else None
            plan = make_plan(config, Path.cwd() / folder, bases)
            check_folder(plan)
            check_fits(config, points=plan.n_points)
            if plan.sweep.jobs < config.sweep.jobs:
                print(f"qicsim: {plan.n_points} points: {plan.sweep.jobs} jobs, not {config.sweep.jobs}",
                      file=sys.stderr)
                extra.append(f"sweep.jobs={plan.sweep.jobs}")
    # Hydra resolves a folder of its own (${now:...}) again in the job; one named on the command line is the same.
    named = any(o.key_or_group.lstrip("+") == "hydra.run.dir" for o in parse_overrides(args.overrides))
    return Checked(extra, single, folder if single and named else None)


def command_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``qicsim`` command's argument parser, with the subcommands ``plot`` and ``compare``.

    Each subcommand takes its arguments, help and description from its module's ``parser()``.
    Built only for a subcommand (it imports their modules): Hydra parses every other command line.

    Returns:
        The parser, and each subcommand's own parser by name.
    """
    from qicsim.apps.cli.parsing import OneLineParser

    parser = OneLineParser(prog="qicsim", add_help=False,
                           description="qicsim's subcommands; without one, qicsim runs Hydra (qicsim --help)")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, (module, summary) in COMMANDS.items():
        own = import_module(module).parser()
        commands.add_parser(name, parents=[own], add_help=False, help=summary, description=own.description,
                            epilog=own.epilog)
    return parser, commands.choices


def names_a_command(argv: list[str]) -> bool:
    """Whether the command line starts with a bare word (a subcommand, or a mistake), not Hydra's input."""
    return bool(argv) and COMMAND_WORD.fullmatch(argv[0]) is not None


def run_command(argv: list[str]) -> None:
    """Parse ``qicsim <command> ...`` with :func:`command_parser` and run the command.

    An unknown command is one line and exit code 2, as is a bad argument (named by the subcommand).
    """
    if argv[0] not in COMMANDS:
        fail(ConfigError(argv[0], "not a command or a setting",
                         f"a command ({', '.join(COMMANDS)}) or settings key=value; see qicsim --help"))
    parser, subcommands = command_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the subcommand says so, as `qicsim compare --help` would name it
        subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    import_module(COMMANDS[args.command][0]).main(argv[1:], args)


def check_launcher(overrides: list[str]) -> None:
    """A launcher of the studies extra (``hydra/launcher=joblib`` or ``slurm``) needs its Hydra plugin installed.

    Raises:
        MissingExtraError: If the plugin is not installed, naming the extra (Hydra alone would say only
            that it cannot find ``hydra/launcher/joblib``).
    """
    for override in overrides:
        key, _, name = override.partition("=")
        plugin = LAUNCHER_PLUGINS.get(name) if key.lstrip("+") == "hydra/launcher" else None
        if plugin is not None and find_spec(plugin) is None:
            raise MissingExtraError("hydra/launcher", f"{name}: its Hydra plugin is not installed "
                                    "(part of qicsim[studies])", "pip install 'qicsim[studies]'")


def main() -> None:
    """Console entry point ``qicsim``: a subcommand (``plot``, ``compare``), or Hydra's run of the settings given."""
    if names_a_command(sys.argv[1:]):
        run_command(sys.argv[1:])
        return
    try:
        checked = check_command(sys.argv[1:])
        path = config_dir()
        if checked.claim is not None:  # held until this process ends: the run's own claim only counts it again
            claim(checked.claim, "hydra.run.dir")
    except QicsimError as error:
        fail(error)
    except KeyboardInterrupt:
        interrupted(None)
    register_schema()
    sys.argv[1:] = [*sys.argv[1:], *checked.extra]
    os.environ[OWNER_ENV] = str(os.getpid())  # a launcher's workers die with this process (run_job)
    if checked.single:
        # Hydra makes the run's folder before the job starts; a Ctrl-C in between would leave it
        # unnamed. Until run_job knows the folder, Ctrl-C (and SIGTERM) is noted and acted on there.
        signal.signal(signal.SIGINT, note_interrupt)
        signal.signal(signal.SIGTERM, note_interrupt)
    try:
        hydra.main(version_base="1.3", config_path=str(path), config_name=CONFIG_NAME)(run_job)()
        if checked.claim is not None:  # the run finished: its folder holds the result's files only
            release(checked.claim, finished=True)
    except KeyboardInterrupt:  # in Hydra or the launcher, before, between or around jobs
        interrupted(None)
    except BrokenPipeError:  # the reader went away (qicsim --help | head): nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        sys.exit(0)
    except OSError as error:  # a launcher's file system or process error, e.g. a full disk
        print(f"qicsim: error: {error.filename or 'output'}: {error.strerror or error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
