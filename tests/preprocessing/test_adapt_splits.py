"""BenchX-style fixed split lists (preprocessing.splits)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from preprocessing.errors import SplitFileError
from preprocessing.splits import apply_split_lists, normalise_split, read_split_lists


def test_folder_of_lists_and_aliases(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.lines(tmp_path / "s" / "train.txt", ["a/1.png", "", "./a/2.png"])
    fx.lines(tmp_path / "s" / "val.txt", ["b/3.png"])
    fx.lines(tmp_path / "s" / "notes.txt", ["ignored"])
    lists = read_split_lists(tmp_path / "s")
    assert lists.split_of == {"a/1.png": "train", "a/2.png": "train", "b/3.png": "valid"}


def test_single_file_split_from_stem_and_errors(tmp_path: Path, fx: SimpleNamespace) -> None:
    assert read_split_lists(fx.lines(tmp_path / "test.txt", ["x.png"])).split_of == {"x.png": "test"}
    assert read_split_lists(fx.lines(tmp_path / "TBX11K_val.txt", ["y.png"])).split_of == {"y.png": "valid"}
    with pytest.raises(SplitFileError):
        read_split_lists(fx.lines(tmp_path / "holdout.txt", ["x.png"]))
    with pytest.raises(SplitFileError):
        read_split_lists(tmp_path / "missing.txt")
    fx.lines(tmp_path / "both" / "train.txt", ["x.png"])
    fx.lines(tmp_path / "both" / "test.txt", ["x.png"])
    with pytest.raises(SplitFileError, match="both"):
        read_split_lists(tmp_path / "both")
    assert normalise_split("validate") == "valid"


def test_apply_matches_prefixed_paths_drops_unlisted_reports_absent(
    tmp_path: Path, fx: SimpleNamespace
) -> None:
    fx.image(tmp_path / "p1/study1/view1_frontal.jpg")
    fx.lines(tmp_path / "s" / "train.txt", ["CheXpert-v1.0-small/p1/study1/view1_frontal.jpg"])
    fx.lines(tmp_path / "s" / "test.txt", ["p2/study1/view1_frontal.jpg", "p9/missing.jpg", "other/x.png"])
    rows = [
        {"image_path": "files/x.png", "view_position": ""},  # a unique file name matches by name alone
        {
            "image_path": "p1/study1/view1_frontal.jpg;p1/study1/view2_lateral.jpg",
            "view_position": "PA;LATERAL",
        },
        {"image_path": "p2/study1/view1_frontal.jpg", "view_position": "AP"},
        {"image_path": "p3/study1/view1_frontal.jpg", "view_position": "AP"},
    ]
    kept, skips = apply_split_lists(rows, read_split_lists(tmp_path / "s"), tmp_path)
    assert [(r["image_path"], r["view_position"], r["split"]) for r in kept] == [
        ("files/x.png", "", "test"),
        ("p1/study1/view1_frontal.jpg", "PA", "train"),
        ("p2/study1/view1_frontal.jpg", "AP", "test"),
    ]
    reasons = {s.path: s.reason for s in skips}
    assert reasons["p1/study1/view2_lateral.jpg"] == "view not listed in the split files"
    assert reasons["p3/study1/view1_frontal.jpg"] == "no image listed in the split files"
    assert reasons["p9/missing.jpg"] == "listed in test.txt but absent on disk"


def test_repeated_file_names_never_match_by_name_alone(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.lines(tmp_path / "test.txt", ["p2/study1/view1_frontal.jpg"])
    rows = [{"image_path": "p1/study1/view1_frontal.jpg"}, {"image_path": "p3/study1/view1_frontal.jpg"}]
    kept, skips = apply_split_lists(rows, read_split_lists(tmp_path / "test.txt"), tmp_path)
    assert kept == [] and len(skips) == 3
