"""The workers' output handed over through files (rabiskit.spill)."""

from __future__ import annotations

import os

import pytest

from rabiskit.spill import SWITCH, spill, spill_folder, splice

needs_kernel_copy = pytest.mark.skipif(not hasattr(os, "copy_file_range"),
                                       reason="os.copy_file_range is Linux's")


@needs_kernel_copy
def test_parts_are_copied_in_order_and_their_file_removed_after_the_last(tmp_path):
    target = tmp_path / "out.xml"
    with spill_folder(target) as to:
        assert to is not None and not to.here()  # (this process reads: it keeps its bytes)
        folder = to.folder
        assert os.path.dirname(folder) == str(tmp_path) and os.path.basename(folder).startswith(".")
        parts = spill([b"<a/>", b"", "<b>Сәтбаев</b>".encode()], to)
        assert [(p.offset, p.length, p.last) for p in parts] == [(0, 4, False), (4, 0, False),
                                                                 (4, 21, True)]
        with open(target, "wb") as fh:
            fh.write(b"<c>")
            splice(parts[0], fh)
            assert os.path.exists(parts[0].path)
            splice(parts[1], fh)
            splice(parts[2], fh)
            assert not os.path.exists(parts[0].path)
            assert fh.tell() == 3 + 4 + 21
            fh.write(b"</c>")
    assert target.read_bytes() == "<c><a/><b>Сәтбаев</b></c>".encode()
    assert not os.path.exists(folder)


@needs_kernel_copy
def test_the_folder_goes_when_the_export_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with spill_folder(tmp_path / "out.iso") as to:
            assert to is not None
            spill([b"x" * 1000], to)
            raise RuntimeError("the export failed")
    assert list(tmp_path.iterdir()) == []


def test_no_folder_when_switched_off_or_unwritable(tmp_path, monkeypatch):
    monkeypatch.setenv(SWITCH, "0")
    with spill_folder(tmp_path / "out.iso") as to:
        assert to is None
    monkeypatch.delenv(SWITCH)
    with spill_folder(tmp_path / "missing" / "out.iso") as to:
        assert to is None  # (the folder does not exist: the output's own check says so)
    assert list(tmp_path.iterdir()) == []
