"""The ``qicsim`` command's parser: ``plot`` and ``compare`` are its subcommands; anything else is Hydra's."""

from __future__ import annotations

import argparse

import pytest

from qicsim.apps.cli import compare, main, plot


def test_the_subcommands_keep_their_own_arguments_and_help() -> None:
    parser, subcommands = main.command_parser()
    assert set(subcommands) == {"plot", "compare"}
    for name, module in (("plot", plot), ("compare", compare)):
        assert subcommands[name].format_help() == module.parser().format_help(), name
    args = parser.parse_args(["plot", "peach", "all_contexts", "--replications", "3"])
    assert (args.command, args.conditions, args.replications) == ("plot", ["peach", "all_contexts"], 3)


@pytest.mark.parametrize("argv", [["contexts.protected_time.intensity=0"], ["-m", "scenario=peach,all_contexts"],
                                  ["--cfg", "job"], ["--help"], ["+hydra.job.name=x"], ["~run.seed"],
                                  ["hydra/launcher=joblib"], []])
def test_hydra_input_is_not_taken_for_a_command(argv: list[str]) -> None:
    assert not main.names_a_command(argv)


@pytest.mark.parametrize("argv", [["plot", "peach"], ["compare"], ["plto", "peach"], ["peach"]])
def test_a_bare_first_word_is_taken_for_a_command(argv: list[str]) -> None:
    assert main.names_a_command(argv)


@pytest.mark.parametrize(("argv", "start"), [
    (["plto", "peach"], "qicsim: error: plto: not a command or a setting; allowed: a command (plot, compare)"),
    (["compare", "--nope"], "qicsim compare: error: unrecognized arguments: --nope; see qicsim compare --help"),
    (["plot"], "qicsim plot: error: the following arguments are required: conditions; see qicsim plot --help"),
    (["plot", "peach", "--replications", "two"], "qicsim plot: error: argument --replications: invalid int"),
])
def test_bad_command_lines_are_one_line_and_exit_2(argv: list[str], start: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["qicsim", *argv])
    with pytest.raises(SystemExit) as done:
        main.main()
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert err.startswith(start) and err.count("\n") == 1, err


def test_a_subcommand_runs_with_what_the_qicsim_parser_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], argparse.Namespace]] = []
    monkeypatch.setattr(compare, "main", lambda argv, args: calls.append((argv, args)))
    monkeypatch.setattr("sys.argv", ["qicsim", "compare", "--budget", "5000", "--options", "baseline", "peach"])
    main.main()
    [(argv, args)] = calls
    assert argv == ["--budget", "5000", "--options", "baseline", "peach"]
    assert (args.budget, args.options, args.replications) == (5000.0, ["baseline", "peach"], None)


def test_a_launcher_of_the_studies_extra_without_its_plugin_is_one_line_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from qicsim.lazy import MissingExtraError

    main.check_launcher(["hydra/launcher=joblib", "run.replications=1"])  # installed here: nothing to say
    monkeypatch.setattr(main, "find_spec", lambda name: None)  # as without qicsim[studies]
    with pytest.raises(MissingExtraError) as raised:
        main.preflight(["-m", "hydra/launcher=joblib", "run.replications=1"])
    assert str(raised.value) == ("hydra/launcher: joblib: its Hydra plugin is not installed (part of qicsim[studies]); "
                                 "allowed: pip install 'qicsim[studies]'")
    main.check_launcher(["hydra/launcher=basic"])  # Hydra's own launcher needs no extra
