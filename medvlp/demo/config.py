"""Typed configuration of the demo pipeline (``configs/demo.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SynthSection:
    n_cxr: int = 1500  # radiograph studies
    n_ct: int = 300  # CT studies (DICOM series and NIfTI)
    cxr_size: int = 256  # radiograph rows in pixels
    ct_shape: list[int] = field(default_factory=lambda: [96, 96, 48])  # CT voxels X, Y, Z


@dataclass
class PerModality:
    cxr: str  # chest X-ray (2D) entry
    ct: str  # CT (3D) entry


@dataclass
class DemoConfig:
    out: Path = Path("runs/demo")  # everything the demo writes goes here
    seed: int = 0  # synthetic data and training seed
    workers: int = 2  # processes for synth and ingest
    synth: SynthSection = field(default_factory=SynthSection)
    ingest_config: Path = Path("configs/ingest/demo.yaml")
    pretrain: PerModality = field(default_factory=lambda: PerModality(
        "configs/pretrain/cxr_tiny_cpu.yaml", "configs/pretrain/ct_slicepool_tiny_cpu.yaml"))
    pretrain_overrides: list[str] = field(default_factory=list)  # dotted overrides for both pretrain runs
    supervised_ct: Path | None = Path("configs/pretrain/ct_supervised_tiny_cpu.yaml")  # CT BCE baseline; null: skip
    baselines: PerModality = field(default_factory=lambda: PerModality("cxr_tiny", "ct_slicepool_tiny"))
    suite: Path = Path("benchmarks/suites/synthetic.yaml")
    suite_overrides: list[str] = field(default_factory=list)  # dotted overrides of the suite
