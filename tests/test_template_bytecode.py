"""Compiled templates are kept between runs (`render.templates._Bytecode`), and what is
kept never changes what a run writes: an edited template is compiled again, a damaged
or foreign entry is ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_retro.render import templates
from session_retro.render.templates import _Bytecode, environment


@pytest.fixture
def kept(tmp_path, monkeypatch) -> Path:
    """A bytecode folder of the test's own."""
    folder = tmp_path / "bytecode"
    folder.mkdir()
    monkeypatch.setattr(templates, "_bytecode", lambda: _Bytecode(str(folder)))
    return folder


def _render(user_dir: Path) -> str:
    return environment(user_dir).get_template("report.md.j2").render(name="Ada")


def test_a_compiled_template_is_kept_and_an_edit_compiles_again(kept, tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text("Hello {{ name }}\n")
    assert _render(tpl) == "Hello Ada\n"
    assert len(list(kept.iterdir())) == 1
    assert _render(tpl) == "Hello Ada\n"  # from the kept entry
    (tpl / "report.md.j2").write_text("Bye {{ name }}\n")
    assert _render(tpl) == "Bye Ada\n"


@pytest.mark.parametrize("damage", [b"", b"garbage", b"j2\x00\x00\x00\x00\x01\x02\x03"])
def test_a_damaged_entry_is_compiled_again(kept, tmp_path, damage):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text("Hello {{ name }}\n")
    _render(tpl)
    for entry in kept.iterdir():
        entry.write_bytes(damage)
    assert _render(tpl) == "Hello Ada\n"


def test_a_folder_it_cannot_write_costs_only_the_compilation(tmp_path, monkeypatch):
    gone = tmp_path / "gone"  # removed under the cache: every write fails
    gone.mkdir()
    cache = _Bytecode(str(gone))
    gone.rmdir()
    monkeypatch.setattr(templates, "_bytecode", lambda: cache)
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text("Hello {{ name }}\n")
    assert _render(tpl) == "Hello Ada\n"
