"""The CLI never loses a user's files: refused output folders fail fast with exit code 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siteplan.cli import app

runner = CliRunner()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def scenario_dir(tmp_path: Path, sample_dir: Path) -> Path:
    folder = tmp_path / "my_city"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("followup"))
    (folder / "notes.txt").write_text("my notes", "utf-8")
    return folder


def test_out_is_the_scenario_folder(scenario_dir: Path):
    before = _snapshot(scenario_dir)
    res = runner.invoke(
        app, ["plan", str(scenario_dir / "scenario.toml"), "--out", str(scenario_dir)]
    )
    assert res.exit_code == 2, res.output
    assert "did not write" in res.output
    assert "--force" in res.output
    assert _snapshot(scenario_dir) == before


def test_out_holds_user_files(scenario_dir: Path, tmp_path: Path):
    out = tmp_path / "existing"
    (out / "sub").mkdir(parents=True)
    (out / "my_notes.txt").write_text("keep me", "utf-8")
    (out / "sub" / "important.docx").write_bytes(b"\x50\x4b")
    res = runner.invoke(app, ["plan", str(scenario_dir / "scenario.toml"), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert _snapshot(out) == {"my_notes.txt": b"keep me", "sub/important.docx": b"\x50\x4b"}


def test_out_is_a_file(scenario_dir: Path, tmp_path: Path):
    target = tmp_path / "out"
    target.write_text("a file", "utf-8")
    res = runner.invoke(app, ["plan", str(scenario_dir / "scenario.toml"), "--out", str(target)])
    assert res.exit_code == 2, res.output
    assert "is a file" in res.output
    assert target.read_text("utf-8") == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_city", "out"]


@pytest.mark.parametrize("name", ["..", "."])
def test_a_name_that_names_a_folder_is_refused(scenario_dir: Path, name: str):
    path = scenario_dir / "scenario.toml"
    text = path.read_text("utf-8")
    path.write_text(text.replace('name = "exempelstad"', f'name = "{name}"'), "utf-8")
    assert f'name = "{name}"' in path.read_text("utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    assert "study_area.name" in res.output


def test_global_options_reach_the_commands(tmp_path: Path):
    # -v shows the traceback of an input error; without it there is none.
    quiet = runner.invoke(app, ["explain", "cam-001", "--out", str(tmp_path)])
    loud = runner.invoke(app, ["-v", "explain", "cam-001", "--out", str(tmp_path)])
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.output
    assert "Traceback" in loud.output
