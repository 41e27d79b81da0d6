"""Output folders: siteplan replaces only what it wrote, atomically, and never a user's file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from siteplan.errors import OutputError
from siteplan.io.outputs import MANIFEST, read_manifest, write_bundle


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text("utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def test_new_folder_gets_the_files_and_a_manifest(tmp_path: Path):
    out = write_bundle(tmp_path / "out", {"a.txt": "A", "sub/b.bin": b"B"})
    assert _files(out) == {"a.txt": "A", "sub/b.bin": "B"}
    assert set(read_manifest(out)) == {"a.txt", "sub/b.bin"}
    assert json.loads((out / MANIFEST).read_text("utf-8"))["kind"] == "plan"
    # nothing left beside it
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_rerun_replaces_own_files_and_drops_stale_ones(tmp_path: Path):
    out = tmp_path / "out"
    write_bundle(out, {"a.txt": "old", "stale.txt": "x"})
    write_bundle(out, {"a.txt": "new"})
    assert _files(out) == {"a.txt": "new"}


def test_folder_with_user_files_is_refused_and_untouched(tmp_path: Path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "my_notes.txt").write_text("mine", "utf-8")
    (out / "sub" / "important.docx").write_bytes(b"doc")
    with pytest.raises(OutputError, match="--force"):
        write_bundle(out, {"a.txt": "A"})
    assert _files(out) == {"my_notes.txt": "mine", "sub/important.docx": "doc"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_writes_beside_user_files_and_keeps_them(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "incidents.csv").write_text("user data", "utf-8")
    write_bundle(out, {"a.txt": "1", "old.txt": "x"}, force=True)
    write_bundle(out, {"a.txt": "2"}, force=True)
    assert _files(out) == {"a.txt": "2", "incidents.csv": "user data"}


def test_a_user_file_with_an_output_name_is_never_overwritten(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("the user's own report", "utf-8")
    with pytest.raises(OutputError, match="did not write"):
        write_bundle(out, {"report.html": "new"}, force=True)
    assert (out / "report.html").read_text("utf-8") == "the user's own report"


def test_an_output_edited_by_the_user_becomes_theirs(tmp_path: Path):
    out = tmp_path / "out"
    write_bundle(out, {"report.html": "generated"})
    (out / "report.html").write_text("annotated by the planner", "utf-8")
    with pytest.raises(OutputError):
        write_bundle(out, {"report.html": "regenerated"}, force=True)
    assert (out / "report.html").read_text("utf-8") == "annotated by the planner"


def test_out_that_is_a_file_is_an_error(tmp_path: Path):
    target = tmp_path / "out"
    target.write_text("not a folder", "utf-8")
    with pytest.raises(OutputError, match="is a file"):
        write_bundle(target, {"a.txt": "A"})
    assert target.read_text("utf-8") == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failed_writer_leaves_previous_outputs(tmp_path: Path):
    out = tmp_path / "out"
    write_bundle(out, {"summary.json": '{"previous": true}'})

    def boom(path: Path) -> None:
        path.write_text("half", "utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_bundle(out, {"summary.json": '{"previous": false}', "plan.gpkg": boom})
    assert _files(out) == {"summary.json": '{"previous": true}'}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_abandoned_temp_folder_of_a_killed_run_is_cleaned(tmp_path: Path):
    out = tmp_path / "out"
    write_bundle(out, {"a.txt": "A"})
    killed = tmp_path / ".out.siteplan-tmp-999-dead"
    killed.mkdir()
    (killed / ".siteplan-partial").write_bytes(b"")
    (killed / "a.txt").write_text("half", "utf-8")
    foreign = tmp_path / ".out.siteplan-tmp-not-ours"
    foreign.mkdir()  # no marker: not siteplan's, kept
    write_bundle(out, {"a.txt": "B"})
    assert not killed.exists()
    assert foreign.exists()


def test_kill_between_the_two_renames_is_recovered(tmp_path: Path):
    out = tmp_path / "out"
    write_bundle(out, {"a.txt": "previous"})
    os.replace(out, tmp_path / ".out.siteplan-old")  # the state a kill at that moment leaves

    def boom(path: Path) -> None:
        raise RuntimeError("killed again")

    with pytest.raises(RuntimeError):
        write_bundle(out, {"a.txt": boom})
    assert _files(out) == {"a.txt": "previous"}  # the previous outputs came back first
    write_bundle(out, {"a.txt": "new"})
    assert _files(out) == {"a.txt": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unwritable_parent_is_an_output_error(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            write_bundle(parent / "out", {"a.txt": "A"})
    finally:
        parent.chmod(0o700)


def test_parent_that_is_a_file_is_an_output_error(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_bundle(tmp_path / "notes.txt" / "out", {"a.txt": "A"})
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"
