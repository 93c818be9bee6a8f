"""Fixed benchmark splits (BenchX-style ``train.txt``/``valid.txt``/``test.txt`` image lists).

A split file is a text file with one image path per line; its stem names the split. ``--split-file``
may name one such file or a folder holding several. Paths are matched to manifest images exactly,
else by file name plus path suffix (lists often carry a dataset prefix such as
``CheXpert-v1.0-small/``). With split lists the lists define the benchmark: studies with no listed
image, and the unlisted views of listed studies, are left out and recorded; listed images that match
no manifest image are recorded too ("listed but absent").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from preprocessing.common import Row
from preprocessing.errors import SplitFileError
from preprocessing.manifest import VIEW_SEPARATOR, Skip

SPLIT_ALIASES: dict[str, str] = {
    "train": "train",
    "training": "train",
    "valid": "valid",
    "val": "valid",
    "validate": "valid",
    "validation": "valid",
    "dev": "valid",
    "test": "test",
    "testing": "test",
}


def normalise_split(name: str, source: Path | None = None) -> str:
    """Published split name (``validate``, ``val``, ``dev``...) -> ``train``/``valid``/``test``."""
    key = name.strip().lower()
    if key not in SPLIT_ALIASES:
        raise SplitFileError(source, f"unknown split name {name!r} (known: {', '.join(SPLIT_ALIASES)})")
    return SPLIT_ALIASES[key]


@dataclass
class SplitLists:
    """Listed image path -> split, with the list file each came from."""

    split_of: dict[str, str] = field(default_factory=dict)
    list_of: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, split: str, list_name: str) -> None:
        if path in self.split_of and self.split_of[path] != split:
            raise SplitFileError(list_name, f"{path} is listed in both {self.split_of[path]} and {split}")
        self.split_of[path] = split
        self.list_of[path] = list_name


def _list_split(path: Path) -> str | None:
    """Split named by a list file: ``test.txt``, ``valid.txt``, or a ``<prefix>_<split>.txt`` stem."""
    stem = path.stem.lower()
    for key in (stem, stem.rsplit("_", 1)[-1]):
        if key in SPLIT_ALIASES:
            return SPLIT_ALIASES[key]
    return None


def read_split_lists(split_file: Path) -> SplitLists:
    """Read one list file, or every ``<split>.txt`` in a folder (other files there are ignored)."""
    if split_file.is_dir():
        files = sorted(p for p in split_file.glob("*.txt") if _list_split(p) is not None)
        if not files:
            raise SplitFileError(split_file, "folder holds no train/valid/test .txt split lists")
    elif split_file.is_file():
        files = [split_file]
    else:
        raise SplitFileError(split_file, "split file does not exist")
    lists = SplitLists()
    for path in files:
        split = _list_split(path)
        if split is None:
            raise SplitFileError(path, f"file name does not name a split ({', '.join(SPLIT_ALIASES)})")
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = line.split("\t")[0].split(",")[0].strip().replace("\\", "/")
            entry = entry.removeprefix("./")
            if entry and not entry.startswith("#"):
                lists.add(entry, split, path.name)
    if not lists.split_of:
        raise SplitFileError(split_file, "split lists name no images")
    return lists


class _Matcher:
    """Finds the listed entry for a manifest image: exact path, else same name with one path a
    suffix of the other, else the file name alone when it is unique in both the lists and the
    manifest (MIMIC dicom ids, NIH image names; never CheXpert's repeated ``view1_frontal.jpg``)."""

    def __init__(self, lists: SplitLists, images: list[str]) -> None:
        self.lists = lists
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for entry in lists.split_of:
            self.by_name[PurePosixPath(entry).name].append(entry)
        self.manifest_names = Counter(PurePosixPath(image).name for image in images)

    def entry_for(self, image: str) -> str | None:
        if image in self.lists.split_of:
            return image
        name = PurePosixPath(image).name
        candidates = self.by_name.get(name, [])
        related = [c for c in candidates if c.endswith("/" + image) or image.endswith("/" + c)]
        if len(related) == 1:
            return related[0]
        unique = len(candidates) == 1 and self.manifest_names[name] == 1
        return candidates[0] if unique and not related else None


def apply_split_lists(rows: list[Row], lists: SplitLists, root: Path) -> tuple[list[Row], list[Skip]]:
    """Assign listed splits to ``rows``; return kept rows and the skips (see module docstring)."""
    matcher = _Matcher(lists, [img for row in rows for img in str(row["image_path"]).split(VIEW_SEPARATOR)])
    used: set[str] = set()
    kept: list[Row] = []
    skips: list[Skip] = []
    for row in rows:
        images = str(row["image_path"]).split(VIEW_SEPARATOR)
        views = str(row.get("view_position") or "").split(VIEW_SEPARATOR)
        entries = [matcher.entry_for(img) for img in images]
        splits = {lists.split_of[e] for e in entries if e is not None}
        if len(splits) != 1:
            reason = (
                "no image listed in the split files" if not splits else f"views listed in {sorted(splits)}"
            )
            skips.append(Skip(str(row["image_path"]), reason))
            continue
        keep = [i for i, e in enumerate(entries) if e is not None]
        skips += [
            Skip(images[i], "view not listed in the split files") for i in range(len(images)) if i not in keep
        ]
        used.update(e for e in entries if e is not None)
        new = dict(row, image_path=VIEW_SEPARATOR.join(images[i] for i in keep), split=splits.pop())
        if len(views) == len(images):
            new["view_position"] = VIEW_SEPARATOR.join(views[i] for i in keep)
        kept.append(new)
    for entry in sorted(set(lists.split_of) - used):
        where = "absent on disk" if not (root / entry).exists() else "not in the dataset's label files"
        skips.append(Skip(entry, f"listed in {lists.list_of[entry]} but {where}"))
    return kept, skips
