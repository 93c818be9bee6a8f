"""Generation parameters and the per-study work items handed to worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = "1.1"  # 1.1: segmentation masks (images and reports unchanged from 1.0)


@dataclass(frozen=True)
class SynthParams:
    """Everything a worker needs besides the task itself (picklable)."""

    out_dir: Path
    seed: int
    cxr_size: int = 256
    ct_shape: tuple[int, int, int] = (96, 96, 48)
    ct_spacing: tuple[float, float, float] = (3.5, 3.5, 5.0)
    ct_nifti_fraction: float = 0.4


@dataclass(frozen=True)
class StudyTask:
    """One study to generate: ``kind`` is "cxr" or "ct"; ``index`` is its number within the kind."""

    kind: str
    index: int
    patient_index: int
    visit: int

    @property
    def study_key(self) -> str:
        return f"{self.kind}-{self.index:06d}"

    @property
    def patient_key(self) -> str:
        return f"p{self.patient_index:05d}"


@dataclass
class StudyRecord:
    """What a worker returns for the tables: ground-truth row, report row and PHI ledger rows."""

    truth: dict[str, str]
    report_row: dict[str, str]
    ledger: list[tuple[str, str]]
