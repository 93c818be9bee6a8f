"""COVIDx CXR: ``train.txt`` / ``val.txt`` / ``test.txt`` lines ``patient_id filename label source``.

Images are ``<split folder>/<filename>`` (``train/``, ``val/``, ``test/``; found by name anywhere
under ``root`` as a fallback). Labels: older releases use ``COVID-19`` / ``pneumonia`` / ``normal``,
COVIDx 9+ uses ``positive`` / ``negative`` (COVID-19 or not). COVID-19 has no CheXpert label and is
kept as ``x_covid_19``; ``pneumonia`` (non-COVID) -> Pneumonia; ``normal`` -> No Finding. Filenames
are assumed to hold no spaces (true for the published lists), the last two fields are label, source.
"""

from __future__ import annotations

from pathlib import Path

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, index_files, require_dir
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

LIST_FILES = {"train.txt": "train", "val.txt": "valid", "test.txt": "test"}
LABELS: dict[str, Row] = {
    "covid-19": {"x_covid_19": 1.0, "No Finding": 0.0},
    "positive": {"x_covid_19": 1.0, "No Finding": 0.0},
    "pneumonia": {"x_covid_19": 0.0, "Pneumonia": 1.0, "No Finding": 0.0},
    "normal": {"x_covid_19": 0.0, "Pneumonia": 0.0, "No Finding": 1.0},
    "negative": {"x_covid_19": 0.0},
}


def _parse_line(line: str, path: Path, number: int) -> tuple[str, str, str]:
    fields = line.split()
    if len(fields) < 4:
        raise AnnotationFormatError(path, f"line {number}: expected 'patient_id filename label source'")
    label = fields[-2].lower()
    if label not in LABELS:
        raise AnnotationFormatError(path, f"line {number}: unknown label {fields[-2]!r}")
    return fields[0], " ".join(fields[1:-2]), label


@ADAPTERS.register("covidx")
def build_covidx(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of COVIDx images from the published split lists (one row per image)."""
    root = require_dir(Path(root))
    lists = [(root / name, split) for name, split in LIST_FILES.items() if (root / name).is_file()]
    if not lists:
        raise DatasetLayoutError(root / "train.txt", "no COVIDx list found (train.txt, val.txt, test.txt)")
    index = index_files(root, (".png", ".jpg", ".jpeg"))
    rows: list[Row] = []
    skipped: list[Skip] = []
    for path, split in lists:
        folder = path.stem
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            patient, filename, label = _parse_line(line, path, number)
            rel = f"{folder}/{filename}" if (root / folder / filename).is_file() else index.get(filename)
            if rel is None:
                skipped.append(Skip(f"{folder}/{filename}", f"listed in {path.name} but absent on disk"))
                continue
            rows.append(
                {
                    "image_path": rel,
                    "patient_id": patient,
                    "study_id": Path(filename).stem,
                    "split": split,
                    **LABELS[label],
                }
            )
    return assemble("covidx", CHEXPERT, rows, skipped, root, split_file)
