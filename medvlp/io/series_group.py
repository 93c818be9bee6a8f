"""Group scanned slices into stackable series and check their geometry.

Never trust InstanceNumber for order: slices are sorted by their position along the slice normal.
A SeriesInstanceUID is split further when orientation, size, spacing, echo or temporal position
differ; slices that still share a position are split by acquisition, then transfer syntax (the
dcm_qa_ts case: one series UID stored nine times), then by order of occurrence, and flagged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from medvlp.io.series_scan import SkippedFile, SliceHeader

POSITION_TOL_MM = 0.01  # two slices closer than this along the normal occupy the same position


@dataclass
class SeriesPlan:
    """Slices of one volume in stacking order, with the geometry checks' findings."""

    slices: list[SliceHeader]
    positions: np.ndarray  # mm along the normal (ascending), one per slice; mosaics: per time point
    slice_spacing: float
    irregular_spacing: bool = False
    missing_slices: int = 0
    tilt_degrees: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def is_mosaic(self) -> bool:
        return self.slices[0].n_mosaic > 0


def _group_key(s: SliceHeader) -> tuple[object, ...]:
    return (s.series_uid, s.series_number, s.rows, s.cols, tuple(np.round(s.orientation, 4)),
            tuple(np.round(s.pixel_spacing, 4)), s.echo_number, s.temporal_position, s.n_mosaic > 0)


def positions_along_normal(slices: list[SliceHeader]) -> np.ndarray:
    normal = slices[0].normal
    return np.array([np.dot(s.position, normal) for s in slices], dtype=np.float64)


def _has_duplicates(slices: list[SliceHeader]) -> bool:
    pos = np.sort(positions_along_normal(slices))
    return bool(np.any(np.diff(pos) < POSITION_TOL_MM))


def _split_duplicates(slices: list[SliceHeader]) -> tuple[list[list[SliceHeader]], str]:
    """Split a group whose slices repeat positions; returns the parts and a note saying how."""
    for attr in ("acquisition_number", "transfer_syntax"):
        parts: dict[object, list[SliceHeader]] = defaultdict(list)
        for s in slices:
            parts[getattr(s, attr)].append(s)
        if len(parts) > 1 and not any(_has_duplicates(p) for p in parts.values()):
            return list(parts.values()), f"duplicate positions split by {attr}"
    by_position: dict[float, list[SliceHeader]] = defaultdict(list)
    for s in sorted(slices, key=lambda s: s.instance_number):
        by_position[round(float(np.dot(s.position, s.normal)) / POSITION_TOL_MM)].append(s)
    depth = max(len(v) for v in by_position.values())
    ranked = [[v[i] for v in by_position.values() if len(v) > i] for i in range(depth)]
    return ranked, f"duplicate positions split by order of occurrence into {depth} volumes"


def _check_geometry(slices: list[SliceHeader], notes: list[str]) -> SeriesPlan:
    if slices[0].n_mosaic > 0:  # each file is a whole volume; several files are time points
        ordered = sorted(slices, key=lambda s: (s.acquisition_number, s.instance_number))
        spacing = ordered[0].spacing_between_slices or ordered[0].slice_thickness or 1.0
        return SeriesPlan(ordered, positions_along_normal(ordered), spacing, notes=notes)
    pos = positions_along_normal(slices)
    order = np.lexsort((np.array([s.instance_number for s in slices]), pos))
    ordered, pos = [slices[i] for i in order], pos[order]
    plan = SeriesPlan(ordered, pos, ordered[0].spacing_between_slices or ordered[0].slice_thickness or 1.0,
                      notes=notes)
    if len(ordered) < 2:
        return plan
    gaps = np.diff(pos)
    step = float(np.median(gaps))
    plan.slice_spacing = step
    plan.irregular_spacing = bool(np.any(np.abs(gaps - step) > max(0.01 * step, 0.02)))
    plan.missing_slices = int(np.sum(np.maximum(np.round(gaps / step) - 1, 0))) if step > 0 else 0
    span = np.subtract(ordered[-1].position, ordered[0].position)
    cos = abs(float(np.dot(span / np.linalg.norm(span), ordered[0].normal)))
    plan.tilt_degrees = float(np.degrees(np.arccos(min(cos, 1.0))))
    if plan.irregular_spacing:
        plan.notes.append(f"irregular slice spacing: gaps {np.round(gaps, 3).tolist()} mm")
    if plan.missing_slices:
        plan.notes.append(f"{plan.missing_slices} missing slice(s) at {step:.3f} mm spacing")
    return plan


def plan_series(slices: list[SliceHeader]) -> tuple[list[SeriesPlan], list[SkippedFile]]:
    """Group slices into volumes; repeated files (same SOPInstanceUID and series number) are skipped.

    The series number is part of the check because edited copies (dcm_qa_12bit) keep the UID.
    """
    skipped: list[SkippedFile] = []
    seen: set[tuple[str, int]] = set()
    groups: dict[tuple[object, ...], list[SliceHeader]] = defaultdict(list)
    for s in slices:
        if s.sop_uid and (s.sop_uid, s.series_number) in seen:
            skipped.append(SkippedFile(s.path, "duplicate_instance", f"SOPInstanceUID {s.sop_uid} seen before"))
            continue
        seen.add((s.sop_uid, s.series_number))
        groups[_group_key(s)].append(s)
    uid_counts: dict[str, int] = defaultdict(int)
    for key in groups:
        uid_counts[str(key[0])] += 1
    plans: list[SeriesPlan] = []
    for key, members in groups.items():
        notes = [] if uid_counts[str(key[0])] == 1 else [
            "series UID split: orientation/size/echo/temporal position/series number differ"]
        if members[0].n_mosaic == 0 and _has_duplicates(members):
            parts, how = _split_duplicates(members)
            plans.extend(_check_geometry(p, notes + [how]) for p in parts)
        else:
            plans.append(_check_geometry(members, notes))
    plans.sort(key=lambda p: (p.slices[0].series_number, p.slices[0].path))
    return plans, skipped
