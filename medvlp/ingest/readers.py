"""Imaging reads used by ingest, all through ``medvlp.io`` (typed errors naming the file).

DICOM series go through the io scan/plan/load steps directly (rather than ``read_dicom_volumes``) so
each volume comes back with the exact files it used, for the per-file manifest rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from medvlp.io.errors import ImagingInputError
from medvlp.io.nifti import read_nifti
from medvlp.io.radiograph import Radiograph, read_radiograph
from medvlp.io.series_group import plan_series
from medvlp.io.series_load import load_plan
from medvlp.io.series_scan import ScanResult, scan_file
from medvlp.io.volume import Volume

__all__ = ["Radiograph", "Volume", "read_dicom_volumes", "read_nifti_volume", "read_radiograph"]


def read_nifti_volume(path: str) -> Volume:
    """A NIfTI volume (scaling applied, float32); ``BadNiftiError`` on broken files."""
    return read_nifti(path)


def _error_codes() -> set[str]:
    """Manifest codes of io's error classes (``not_dicom``...): those files are errors, not skips."""
    todo, codes = [ImagingInputError], set()
    while todo:
        cls = todo.pop()
        codes.add(cls(None, "").code)
        todo.extend(cls.__subclasses__())
    return codes


ERROR_CODES = _error_codes()


def read_dicom_volumes(paths: Sequence[str]) -> tuple[list[tuple[Volume, list[str]]], list[tuple[str, str, str]]]:
    """Assemble the files of one DICOM series into volumes (io series scan -> plan -> load).

    A series can yield several volumes (io splits duplicates/orientations); each comes with the
    paths it used. Files left out come back as ``(path, "skipped"|"error", code)``.
    """
    scan = ScanResult()
    for path in paths:
        scan_file(path, scan)
    plans, duplicates = plan_series(scan.slices)
    left_out = [(s.path, "error" if s.code in ERROR_CODES else "skipped", s.code)
                for s in [*scan.skipped, *duplicates]]
    volumes = []
    for plan in plans:
        try:
            volumes.append((load_plan(plan), [s.path for s in plan.slices]))
        except ImagingInputError as exc:  # one bad series does not sink the others
            left_out.extend((s.path, "error", exc.code) for s in plan.slices)
    return volumes, left_out
