"""IU X-ray (OpenI Indiana): ``ecgen-radiology/*.xml`` reports + PNGs, or R2Gen's ``annotation.json``.

OpenI layout: each XML is one study; ``AbstractText Label="FINDINGS"/"IMPRESSION"`` give the
report, ``parentImage id`` the views (``<id>.png``, found by name anywhere under ``root``), ``uId``
the study/patient key (IU publishes no separate patient IDs). MeSH ``major`` "normal" gives No
Finding = 1, other major terms No Finding = 0; findings are not mapped further (unreliable).
R2Gen layout: ``annotation.json`` at ``root`` (``{"train"|"val"|"test": [{"id", "report",
"image_path": [...]}]}``, images under ``images/``). R2Gen's ``annotation.json`` is also accepted
verbatim as ``split_file`` for the OpenI layout: its ``id`` is the image id without the last
``-NNNN`` group (``CXR2384_IM-0942-1001`` -> ``CXR2384_IM-0942``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, Study, index_files, require_dir
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError, SplitFileError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS
from preprocessing.splits import normalise_split

XML_DIR = "ecgen-radiology"
R2GEN_FILE = "annotation.json"


def report_text(findings: str, impression: str) -> str:
    """``FINDINGS: ...`` and ``IMPRESSION: ...`` paragraphs (empty sections left out)."""
    parts = [
        f"{name}: {text.strip()}"
        for name, text in (("FINDINGS", findings), ("IMPRESSION", impression))
        if text and text.strip()
    ]
    return "\n\n".join(parts)


def r2gen_id(image_id: str) -> str:
    """OpenI image id -> R2Gen study id (drop the trailing ``-NNNN`` group)."""
    return re.sub(r"-\d+$", "", image_id)


def _load_r2gen(path: Path) -> dict[str, list[dict[str, object]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        splits = {normalise_split(split, path): list(entries) for split, entries in data.items()}
    except (OSError, json.JSONDecodeError, AttributeError, TypeError) as exc:
        raise SplitFileError(path, f"not an R2Gen annotation.json: {exc!r}") from None
    if not all(isinstance(e, dict) and "id" in e for entries in splits.values() for e in entries):
        raise SplitFileError(path, "every R2Gen entry needs an 'id'")
    return splits


def _parse_xml(path: Path) -> tuple[str, str, list[str], list[str]]:
    """XML -> (study uid, report, parent image ids, MeSH major terms)."""
    try:
        tree = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise AnnotationFormatError(path, f"malformed XML: {exc}") from None
    uid = tree.find("uId")
    sections = {el.get("Label", "").upper(): el.text or "" for el in tree.iter("AbstractText")}
    images = [el.get("id", "") for el in tree.iter("parentImage") if el.get("id")]
    mesh = [(el.text or "").strip().lower() for el in tree.iter("major")]
    study = uid.get("id", path.stem) if uid is not None else path.stem
    return study, report_text(sections.get("FINDINGS", ""), sections.get("IMPRESSION", "")), images, mesh


def _openi_rows(root: Path, skipped: list[Skip]) -> list[Row]:
    index = index_files(root, (".png",))
    rows = []
    for path in sorted((root / XML_DIR).glob("*.xml")):
        study, report, image_ids, mesh = _parse_xml(path)
        entry = Study(
            {
                "report": report,
                "patient_id": study,
                "study_id": study,
                "No Finding": (1.0 if "normal" in mesh else 0.0) if mesh else None,
            }
        )
        for image_id in image_ids:
            if f"{image_id}.png" in index:
                entry.add(index[f"{image_id}.png"])
            else:
                skipped.append(Skip(f"{image_id}.png", f"named in {path.name} but absent on disk"))
        if entry.images:
            rows.append(entry.row())
        elif not image_ids:
            skipped.append(Skip(str(path.relative_to(root)), "report without images"))
    return rows


def _apply_r2gen(
    rows: list[Row], r2gen: dict[str, list[dict[str, object]]], skipped: list[Skip]
) -> list[Row]:
    split_of = {str(e["id"]): split for split, entries in r2gen.items() for e in entries}
    used, kept = set(), []
    for row in rows:
        ids = {r2gen_id(Path(p).stem) for p in str(row["image_path"]).split(";")}
        splits = {split_of[i] for i in ids if i in split_of}
        used |= ids & split_of.keys()
        if len(splits) == 1:
            kept.append(dict(row, split=splits.pop()))
        else:
            skipped.append(
                Skip(str(row["image_path"]), f"R2Gen split ambiguous or missing: {sorted(splits)}")
            )
    skipped += [Skip(i, f"listed in {R2GEN_FILE} but absent on disk") for i in sorted(split_of.keys() - used)]
    return kept


def _r2gen_rows(root: Path, skipped: list[Skip]) -> list[Row]:
    rows = []
    for split, entries in _load_r2gen(root / R2GEN_FILE).items():
        for entry in entries:
            study = Study(
                {
                    "report": str(entry.get("report", "")),
                    "patient_id": str(entry["id"]).split("_")[0],
                    "study_id": str(entry["id"]),
                    "split": split,
                }
            )
            for rel in entry.get("image_path", []):  # type: ignore[attr-defined]
                if (root / "images" / rel).is_file():
                    study.add(f"images/{rel}")
                else:
                    skipped.append(Skip(f"images/{rel}", f"listed in {R2GEN_FILE} but absent on disk"))
            if study.images:
                rows.append(study.row())
    return rows


@ADAPTERS.register("iu_xray", aliases=("openi",))
def build_iu_xray(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of IU X-ray studies (multi-view rows) from the OpenI XMLs or R2Gen's annotation.json."""
    root = require_dir(Path(root))
    skipped: list[Skip] = []
    if (root / XML_DIR).is_dir():
        rows = _openi_rows(root, skipped)
        if split_file is not None and Path(split_file).suffix == ".json":
            rows, split_file = _apply_r2gen(rows, _load_r2gen(Path(split_file)), skipped), None
    elif (root / R2GEN_FILE).is_file():
        rows = _r2gen_rows(root, skipped)
    else:
        raise DatasetLayoutError(root / XML_DIR, f"neither {XML_DIR}/ nor {R2GEN_FILE} found")
    return assemble("iu_xray", CHEXPERT, rows, skipped, root, split_file)
