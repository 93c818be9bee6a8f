"""CheXpert: ``train.csv``/``valid.csv`` with ``Path, Sex, Age, Frontal/Lateral, AP/PA`` + 14 labels.

``Path`` carries the release folder (``CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg``);
``root`` may be that folder or its parent, and each path is written relative to ``root``. Images of
one ``patientNNNNN/studyN`` folder form one multi-view row; labels come from the study's first
image row (the labeler works on the report, so they agree within a study). ``valid.csv`` holds the
radiologist-consensus labels; the hidden test set is not covered.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, Study, parse_label, read_table, require_dir
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

COLUMNS = ["Path", "Frontal/Lateral", "AP/PA", *CHEXPERT.labels]
SPLIT_FILES = {"train.csv": "train", "valid.csv": "valid"}


def _relative(root: Path, published: str) -> str | None:
    """The published ``Path`` relative to ``root``: as is, or without the release folder prefix."""
    path = PurePosixPath(published)
    for candidate in (path, PurePosixPath(*path.parts[1:]) if len(path.parts) > 1 else path):
        if (root / candidate).is_file():
            return candidate.as_posix()
    return None


def _view(frontal_lateral: str, ap_pa: str) -> str:
    if frontal_lateral.strip().lower() == "lateral":
        return "LATERAL"
    return ap_pa.strip().upper()


@ADAPTERS.register("chexpert")
def build_chexpert(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of CheXpert studies from ``train.csv`` and ``valid.csv`` (at least one must exist)."""
    root = require_dir(Path(root))
    present = {name: split for name, split in SPLIT_FILES.items() if (root / name).is_file()}
    if not present:
        read_table(root / "train.csv", COLUMNS)  # raises the layout error naming the file
    studies: dict[tuple[str, str, str], Study] = {}
    skipped: list[Skip] = []
    for name, split in present.items():
        table = read_table(root / name, COLUMNS)
        for record in table.to_dict("records"):
            rel = _relative(root, record["Path"])
            if rel is None:
                skipped.append(Skip(record["Path"], f"listed in {name} but absent on disk"))
                continue
            patient, study = PurePosixPath(rel).parts[-3:-1]
            if (split, patient, study) not in studies:
                fields: Row = {"patient_id": patient, "study_id": f"{patient}_{study}", "split": split}
                fields.update({k: parse_label(record[k], root / name) for k in CHEXPERT.labels})
                studies[(split, patient, study)] = Study(fields)
            studies[(split, patient, study)].add(rel, _view(record["Frontal/Lateral"], record["AP/PA"]))
    rows = [s.row() for s in studies.values()]
    return assemble("chexpert", CHEXPERT, rows, skipped, root, split_file)
