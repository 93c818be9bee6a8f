"""Public entry points for DICOM volumes: a folder tree -> every volume in it, or exactly one series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medvlp.io.dicom_file import PathLike
from medvlp.io.enhanced import load_enhanced
from medvlp.io.errors import ImagingInputError, InconsistentSeriesError, NoSeriesFoundError
from medvlp.io.resample import correct_tilt, resample_to_spacing
from medvlp.io.series_group import plan_series
from medvlp.io.series_load import load_plan
from medvlp.io.series_scan import ScanResult, SkippedFile, scan_file, scan_folder
from medvlp.io.volume import Volume


@dataclass
class VolumeSet:
    """Every volume assembled from an input, and every file left out with its reason."""

    volumes: list[Volume] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def _finish(volume: Volume, spacing: Sequence[float] | None, tilt_correct: bool) -> Volume:
    if tilt_correct and volume.metadata.get("gantry_tilt_degrees", 0.0) > 0.01:
        volume = correct_tilt(volume)
    if spacing is not None:
        volume = resample_to_spacing(volume, spacing)
    return volume


def read_dicom_volumes(
    root: PathLike, spacing: Sequence[float] | None = None, tilt_correct: bool = False,
    include_derived: bool = False,
) -> VolumeSet:
    """Scan ``root`` (folder tree or file), group, sort and decode every series into a ``Volume``.

    A series that fails to decode is recorded in ``skipped`` (with the error code), the rest go on.
    Resampling (``spacing`` in mm) and gantry-tilt correction are off by default; derived images
    (ImageType DERIVED, e.g. perfusion maps) are skipped unless ``include_derived``.
    """
    scan = scan_folder(root, include_derived)
    plans, duplicates = plan_series(scan.slices)
    result = VolumeSet(skipped=scan.skipped + duplicates)
    for path in scan.enhanced:
        try:
            result.volumes.append(_finish(load_enhanced(path), spacing, tilt_correct))
        except ImagingInputError as exc:
            result.skipped.append(SkippedFile(path, exc.code, f"enhanced file not assembled: {exc.reason}"))
    for plan in plans:
        try:
            result.volumes.append(_finish(load_plan(plan), spacing, tilt_correct))
        except ImagingInputError as exc:
            result.skipped.extend(SkippedFile(s.path, exc.code, f"series not assembled: {exc}")
                                  for s in plan.slices)
    return result


def read_dicom_series(
    source: PathLike | Sequence[PathLike], spacing: Sequence[float] | None = None, tilt_correct: bool = False,
    include_derived: bool = False,
) -> Volume:
    """Exactly one volume from a folder or a list of files that must form one series.

    Raises ``NoSeriesFoundError`` when nothing stackable is found and ``InconsistentSeriesError``
    when the files form more than one volume (mixed orientation, size, duplicated positions...).
    """
    if isinstance(source, (str, Path)) or not isinstance(source, Sequence):
        scan = scan_folder(source, include_derived)  # type: ignore[arg-type]
        where = str(source)
    else:
        scan = ScanResult()
        for path in source:
            scan_file(path, scan, include_derived, accept_enhanced=True)
        where = str(Path(str(source[0])).parent) if source else ""
    plans, _ = plan_series(scan.slices)
    if not plans and len(scan.enhanced) == 1:
        return _finish(load_enhanced(scan.enhanced[0]), spacing, tilt_correct)
    if len(plans) + len(scan.enhanced) > 1:
        notes = sorted({n for p in plans for n in p.notes}) or ["different series"]
        raise InconsistentSeriesError(where, f"files form {len(plans) + len(scan.enhanced)} volumes, not one: "
                                             f"{'; '.join(notes)}")
    if not plans:
        reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in scan.skipped[:5])
        raise NoSeriesFoundError(where, f"no stackable DICOM series ({reasons or 'no files'})")
    return _finish(load_plan(plans[0]), spacing, tilt_correct)
