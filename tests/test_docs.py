"""The documentation cannot drift from the code: docs/parameters.md, docs/ODD.md, sources."""

from __future__ import annotations

import importlib
import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from qicsim.apps import paramdocs
from qicsim.model.contexts import CONTEXTS
from qicsim.model.parameters import ASSUMPTION, Parameters, Structure, field_table

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS_MD = ROOT / "docs" / "parameters.md"
ODD_MD = ROOT / "docs" / "ODD.md"
SOURCES_MD = ROOT / "docs" / "sources.md"
# A source is "assumption", a row of docs/evidence.md ("evidence N: ..." with N a section
# 1-4), a row of docs/sources.md ("sources N: ..."), or a published work cited in the code.
EVIDENCE = re.compile(r"^evidence [1-4]: \S")
SOURCE_ROW = re.compile(r"^sources (\d+): \S")
CITATIONS = ("Repenning and Sterman 2001",)
# (Repenning and Sterman: California Management Review 2001, cited in docs/ODD.md, process 10.)
SETTINGS = [(cls, row) for cls in (Structure, Parameters) for row in field_table(cls)]


def test_parameters_md_matches_render() -> None:
    assert PARAMETERS_MD.read_text(encoding="utf-8") == paramdocs.render(), (
        f"docs/parameters.md is out of date; run: {paramdocs.COMMAND}")


def test_check_flag_detects_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "parameters.md"
    good.write_text(paramdocs.render(), encoding="utf-8")
    assert paramdocs.main(["--check", "--path", str(good)]) == 0
    stale = tmp_path / "stale.md"
    stale.write_text(paramdocs.render().replace("voice_prob", "voice_chance"), encoding="utf-8")
    assert paramdocs.main(["--check", "--path", str(stale)]) == 1
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "out of date" in message
    assert paramdocs.main(["--check", "--path", str(tmp_path / "missing.md")]) == 1


def test_render_lists_every_setting_and_context() -> None:
    text = paramdocs.render()
    assert "generated" in text.lower() and '"assumption"' in text
    for cls, row in SETTINGS:
        prefix = "structure" if cls is Structure else "parameters"
        assert f"`{prefix}.{row['name']}`" in text, row["name"]
    for info in CONTEXTS:
        assert f"| {info.code} | `contexts.{info.name}` |" in text, info.code


@pytest.mark.parametrize(("cls", "row"), SETTINGS, ids=[row["name"] for _, row in SETTINGS])
def test_setting_has_unit_meaning_and_source(cls: type, row: dict) -> None:
    assert row["unit"].strip(), f"{row['name']}: no unit"
    assert row["meaning"].strip(), f"{row['name']}: no meaning"
    source = row["source"]
    numbered = SOURCE_ROW.match(source)
    if numbered:
        rows = re.findall(r"^\| (\d+) \|", SOURCES_MD.read_text(encoding="utf-8"), flags=re.M)
        assert numbered.group(1) in rows, f"{row['name']}: docs/sources.md has no row {numbered.group(1)}"
        return
    assert source == ASSUMPTION or EVIDENCE.match(source) or source.startswith(CITATIONS), (
        f"{row['name']}: source {source!r} is neither 'assumption', an evidence row, a sources row nor a citation")


def test_every_field_is_in_the_table() -> None:
    for cls in (Structure, Parameters):
        assert [f.name for f in fields(cls)] == [row["name"] for row in field_table(cls)]


def test_every_parameter_is_documented() -> None:
    docs = ODD_MD.read_text(encoding="utf-8") + PARAMETERS_MD.read_text(encoding="utf-8")
    missing = [row["name"] for _, row in SETTINGS if row["name"] not in docs]
    assert not missing, f"not in docs/ODD.md or docs/parameters.md: {missing}"


def test_odd_names_every_context_and_its_reader() -> None:
    odd = ODD_MD.read_text(encoding="utf-8")
    for info in CONTEXTS:
        assert f"`contexts.{info.name}`" in odd, info.name
        assert f"| {info.code} | `contexts.{info.name}` |" in odd, f"{info.code} missing from table 7.11"
        assert info.indicator in odd, info.indicator


def test_odd_has_the_seven_elements() -> None:
    odd = ODD_MD.read_text(encoding="utf-8")
    for heading in ("## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
                    "## 3. Process overview and scheduling", "## 4. Design concepts",
                    "## 5. Initialization", "## 6. Input data", "## 7. Submodels"):
        assert heading in odd, heading


def resolve(dotted: str) -> bool:
    """Whether a dotted name such as ``meetings.hold_meeting`` exists in a wing of qicsim (or at its top)."""
    first, *rest = dotted.split(".")
    for package in ("qicsim.model", "qicsim.run", "qicsim.studies", "qicsim.apps", "qicsim"):
        try:
            owner = importlib.import_module(f"{package}.{first}")
        except ModuleNotFoundError:
            owner = getattr(importlib.import_module(package), first, None)
        for name in rest:
            owner = getattr(owner, name, None)
        if owner is not None:
            return True
    return False


def test_odd_function_references_exist() -> None:
    refs = set(re.findall(r"`(\w+(?:\.\w+)+)\(\)`", ODD_MD.read_text(encoding="utf-8")))
    assert len(refs) >= 20
    missing = sorted(f"{ref}()" for ref in refs if not resolve(ref))
    assert not missing, f"docs/ODD.md names functions that do not exist: {missing}"
    assert not resolve("meetings.no_such_function")


def test_citation_cff_parses() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] == "qicsim" and cff["type"] == "software" and cff["license"] == "MIT"
    assert str(cff["version"]) == importlib.import_module("qicsim").__version__
    assert any(ref.get("doi") == "10.1093/ageing/afab007" for ref in cff["references"])
