"""autograder init (the stubs from the installed kit) and autograder submit (a checked zip with a manifest),
and what autograder batch says about such a zip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import batch, submit
from autograder.checks import all_exercises
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
FAST = ["ex01_tape_basics", "ex03_gradient_check"]  # two quick exercises keep the grading short


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_init_writes_the_stubs_students_get(tmp_path):
    written = submit.init(tmp_path / "work")
    names = sorted(p.name for p in written)
    expected = sorted(p.name for p in EXERCISES.iterdir() if p.suffix in (".py", ".md"))
    assert names == expected
    for name in names:
        assert (tmp_path / "work" / name).read_text() == (EXERCISES / name).read_text(), name


def test_init_never_overwrites_work_without_force(tmp_path):
    (tmp_path / "ex04_manual_backprop.py").write_text("# my work\n")
    with pytest.raises(submit.SubmitError, match="ex04_manual_backprop.py already exist"):
        submit.init(tmp_path)
    assert (tmp_path / "ex04_manual_backprop.py").read_text() == "# my work\n"
    assert not (tmp_path / "ex01_tape_basics.py").exists()  # nothing at all was written
    submit.init(tmp_path, force=True)
    assert (tmp_path / "ex04_manual_backprop.py").read_text() == (EXERCISES / "ex04_manual_backprop.py").read_text()


def test_init_subset_through_the_cli(tmp_path):
    done = cli("init", str(tmp_path / "a"), "--exercises", "ex02")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["README.md", "ex02_chain_rule.py"]
    again = cli("init", str(tmp_path / "a"))
    assert again.returncode == 2 and "already exist" in again.stderr


def _folder(tmp_path, names, broken=()):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in names:
        shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
    for name in broken:
        (folder / f"{name}.py").write_text("def oops(:\n")
    return folder


def test_submit_packs_checked_files_with_hashes_and_score(tmp_path):
    folder = _folder(tmp_path, FAST)
    out = tmp_path / "submission.zip"
    packed = submit.make_submission(folder, out, Rubric.load(), exercises=FAST)
    rubric = Rubric.load()
    possible = sum(rubric.points(name, c.key) for name in FAST for c in all_exercises()[name].checks)
    assert packed.score == pytest.approx(possible) and packed.possible == pytest.approx(possible)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted([submit.MANIFEST] + [f"{n}.py" for n in FAST])
        manifest = json.loads(archive.read(submit.MANIFEST))
        for name in FAST:
            data = archive.read(f"{name}.py")
            assert manifest["files"][f"{name}.py"]["sha256"] == submit.sha256(data)
            assert data == (SOLUTIONS / f"{name}.py").read_bytes()
    assert manifest["self_check"]["score"] == pytest.approx(possible)
    assert manifest["problems"] == []


def test_submit_refuses_missing_and_broken_files_and_says_which(tmp_path):
    folder = _folder(tmp_path, ["ex01_tape_basics"], broken=["ex03_gradient_check"])
    out = tmp_path / "submission.zip"
    with pytest.raises(submit.SubmitError) as caught:
        submit.make_submission(folder, out, Rubric.load(), exercises=FAST + ["ex02_chain_rule"])
    text = str(caught.value)
    assert "ex02_chain_rule.py (or .ipynb) is missing" in text
    assert "ex03_gradient_check.py does not import" in text and "line 1" in text
    assert "ex01_tape_basics" not in text
    assert not out.exists()


def test_batch_notes_a_file_changed_after_the_self_check(tmp_path):
    folder = _folder(tmp_path, ["ex01_tape_basics"])
    class_root = tmp_path / "class"
    class_root.mkdir()
    out = class_root / "ada.zip"
    submit.make_submission(folder, out, Rubric.load(), exercises=["ex01_tape_basics"])
    job = batch.read_job(batch.Student("ada", out))
    assert any("packed by `autograder submit`" in n for n in job.notes), job.notes
    assert not any("changed after" in n for n in job.notes), job.notes
    # the student edits the file inside the zip after the self-check: batch grades the new file and says so
    tampered = class_root / "bob.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "ex01_tape_basics.py":
                data += b"\n# changed\n"
            target.writestr(name, data)
    job = batch.read_job(batch.Student("bob", tampered))
    assert any("ex01_tape_basics.py changed after the self-check" in n for n in job.notes), job.notes
    assert dict((e, d) for e, _r, d, _p in job.files)["ex01_tape_basics"].endswith(b"# changed\n")


def test_manifest_notes_survive_garbage():
    files = [("ex01_tape_basics", "ex01_tape_basics.py", b"x = 1\n", "")]
    assert submit.manifest_notes(None, files) == []
    assert "could not be read" in submit.manifest_notes(b"{not json", files)[0]
    assert "could not be read" in submit.manifest_notes(b'{"files": [], "self_check": {}}', files)[0]
    assert "larger than" in submit.manifest_notes(b" " * (submit.MAX_MANIFEST_BYTES + 1), files)[0]
    forged = json.dumps({"files": {"ex01_tape_basics.py": {"sha256": submit.sha256(b"x = 1\n")},
                                   "ex02_chain_rule.py": {"sha256": "0"}},
                         "self_check": {"score": 74, "possible": 74}, "created": "\x1b[31mnow"}).encode()
    notes = submit.manifest_notes(forged, files)
    assert "not used for the grade" in notes[0] and "\x1b" not in notes[0]
    assert "ex02_chain_rule.py is in the manifest but not in the submission" in notes


def test_submit_through_the_cli(tmp_path):
    folder = _folder(tmp_path, ["ex01_tape_basics"])
    done = cli("submit", str(folder), "--out", str(tmp_path / "s.zip"), "--exercises", "ex01")
    assert done.returncode == 0, done.stderr
    possible = sum(Rubric.load().points("ex01_tape_basics", c.key) for c in all_exercises()["ex01_tape_basics"].checks)
    assert f"self-check score recorded in the manifest: {possible:g}/{possible:g} points" in done.stdout, done.stdout
    missing = cli("submit", str(folder), "--out", str(tmp_path / "t.zip"), "--exercises", "ex01,ex02")
    assert missing.returncode == 2 and "ex02_chain_rule.py (or .ipynb) is missing" in missing.stderr
    assert not (tmp_path / "t.zip").exists()


def test_batch_reads_the_manifest_of_an_unpacked_submission_too(tmp_path):
    folder = _folder(tmp_path, ["ex01_tape_basics"])
    out = tmp_path / "s.zip"
    submit.make_submission(folder, out, Rubric.load(), exercises=["ex01_tape_basics"])
    unpacked = tmp_path / "class" / "cyd"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unpacked)
    (unpacked / "ex01_tape_basics.py").write_bytes((unpacked / "ex01_tape_basics.py").read_bytes() + b"# later\n")
    job = batch.read_job(batch.Student("cyd", unpacked))
    assert any("packed by `autograder submit`" in n for n in job.notes), job.notes
    assert any("ex01_tape_basics.py changed after the self-check" in n for n in job.notes), job.notes
