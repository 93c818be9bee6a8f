"""Generate one CT study: findings, HU volume, DICOM series (+ localizer) or NIfTI, report and records."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Finding, Study
from medvlp.data.synthetic.dicom_common import StudyInfo
from medvlp.data.synthetic.dicom_ct import SeriesLayout, write_ct_series, write_localizer
from medvlp.data.synthetic.findings_ct import CT_PAINTERS, Scene, prepare_geometry
from medvlp.data.synthetic.masks import CT_MASK_SUFFIX, add_painted_volume
from medvlp.data.synthetic.nifti import lps_to_ras_canonical, write_nifti_gz
from medvlp.data.synthetic.output import write_text
from medvlp.data.synthetic.params import StudyRecord, StudyTask, SynthParams
from medvlp.data.synthetic.phantom_ct import draw_body, make_grid, sample_geometry
from medvlp.data.synthetic.phi import Identity, Ledger, sample_identity
from medvlp.data.synthetic.report import ReportContext, write_report
from medvlp.data.synthetic.sampling_ct import sample_ct_findings
from medvlp.data.synthetic.seeding import STREAM_CT, STREAM_PATIENT, make_rng, make_uid
from medvlp.data.synthetic.truth import truth_row
from medvlp.knowledge.findings import CT


def render_ct(findings: list[Finding], shape: tuple[int, int, int], spacing: tuple[float, float, float],
              rng: np.random.Generator, noise_hu: float | None = None, mask: np.ndarray | None = None) -> np.ndarray:
    """HU volume [X, Y, Z] (LPS index order) with the findings painted and scanner noise added.

    ``mask`` (uint8 [X, Y, Z], filled in place) receives each lesion's painted voxels
    (:func:`medvlp.data.synthetic.masks.add_painted_volume`); no random numbers are drawn for it.
    """
    grid = make_grid(shape, spacing)
    geo = sample_geometry(rng, grid)
    prepare_geometry(geo, findings)
    hu, masks = draw_body(grid, geo, rng)
    scene = Scene(hu=hu, grid=grid, geo=geo, masks=masks)
    for f in findings:
        before = scene.hu.copy() if mask is not None else None
        CT_PAINTERS.create(f.label, s=scene, f=f, rng=rng)
        if mask is not None and before is not None:
            add_painted_volume(mask, f.label, before, scene.hu)
    sigma = float(rng.uniform(6, 18)) if noise_hu is None else noise_hu
    noisy = scene.hu + sigma * rng.standard_normal(shape).astype(np.float32)
    return np.clip(noisy, -1024, 3071).astype(np.float32)


def generate_ct_study(task: StudyTask, params: SynthParams) -> StudyRecord:
    """Draw, write and describe one CT study (deterministic in (seed, task))."""
    seed, rng = params.seed, make_rng(params.seed, STREAM_CT, task.index)
    ident = sample_identity(make_rng(seed, STREAM_PATIENT, task.patient_index))
    findings, negated = sample_ct_findings(rng)
    fmt = "nifti" if rng.random() < params.ct_nifti_fraction else "dicom"
    study = Study(study_key=task.study_key, patient_key=task.patient_key, patient_index=task.patient_index,
                  visit=task.visit, modality="CT", label_set=CT.name, findings=findings, negated=negated, fmt=fmt)
    info = StudyInfo(study_uid=make_uid(seed, "study", task.study_key), accession=f"C{int(rng.integers(10**7, 10**8))}",
                     study_date=ident.visit_dates[task.visit], study_id=str(int(rng.integers(1, 99999))))
    mask = np.zeros(params.ct_shape, dtype=np.uint8)
    hu = render_ct(findings, params.ct_shape, params.ct_spacing, rng, mask=mask)
    (nx, ny, _), (dx, dy, _) = params.ct_shape, params.ct_spacing
    origin = (-(nx - 1) * dx / 2, -(ny - 1) * dy / 2 + float(rng.uniform(-10, 10)), float(rng.uniform(-300, -150)))
    ledger = Ledger()
    if fmt == "nifti":
        rel = f"ct/nifti/{task.study_key}.nii.gz"
        array, affine = lps_to_ras_canonical(hu, origin, params.ct_spacing)
        write_nifti_gz(params.out_dir / rel, array, affine, str(rng.choice(["int16", "int16_offset", "float32"])))
        n_images = 1
    else:
        rel = f"ct/dicom/{task.patient_key}/{task.study_key}"
        n_images = _write_dicom(task, params, hu, origin, info, ident, ledger, rng)
    mask_rel = f"ct/nifti/{task.study_key}{CT_MASK_SUFFIX}" if fmt == "nifti" else f"{rel}/lesions{CT_MASK_SUFFIX}"
    mask_array, mask_affine = lps_to_ras_canonical(mask, origin, params.ct_spacing)
    write_nifti_gz(params.out_dir / mask_rel, mask_array, mask_affine, "uint8")
    prior = ident.visit_dates[task.visit - 1] if task.visit else None
    text, mentions = write_report(study, ReportContext(ident, info.study_date, prior, info.accession, "CT"),
                                  ledger, rng, is_normal=not findings)
    if fmt == "dicom":
        write_text(params.out_dir / rel / "report.txt", text)
    base = {"study_key": task.study_key, "patient_key": task.patient_key, "modality": "CT", "format": fmt,
            "path": rel, "label_set": CT.name, "n_images": str(n_images), "views": "", "mask_paths": mask_rel}
    return StudyRecord(truth=truth_row(study, CT, mentions, base),
                       report_row={"study_key": task.study_key, "accession_number": info.accession,
                                   "study_instance_uid": info.study_uid, "report": text},
                       ledger=ledger.entries)


def _write_dicom(task: StudyTask, params: SynthParams, hu: np.ndarray, origin: tuple[float, float, float],
                 info: StudyInfo, ident: Identity, ledger: Ledger, rng: np.random.Generator) -> int:
    """Axial series (+ localizer in ~30% of studies); returns the number of files written."""
    seed, key = params.seed, task.study_key
    folder = params.out_dir / "ct" / "dicom" / task.patient_key / key
    signed = bool(rng.random() < 0.5)
    frame = make_uid(seed, "frame", key)
    with_scout = bool(rng.random() < 0.3)
    axial_number = 2 if with_scout else 1
    layout = SeriesLayout(signed=signed, intercept=-1024.0 if not signed or rng.random() < 0.5 else 0.0,
                          origin=origin, spacing=params.ct_spacing, reversed_numbering=bool(rng.random() < 0.3),
                          series_uid=make_uid(seed, "series", key, axial_number), frame_uid=frame,
                          series_number=axial_number)
    sops = [make_uid(seed, "sop", key, axial_number, k) for k in range(hu.shape[2])]
    write_ct_series(folder / str(axial_number), hu, layout, ident, info, ledger, sops)
    if with_scout:
        scout = SeriesLayout(signed=False, intercept=0.0, origin=origin, spacing=params.ct_spacing,
                             reversed_numbering=False, series_uid=make_uid(seed, "series", key, 1),
                             frame_uid=frame, series_number=1)
        write_localizer(folder / "1", hu, scout, ident, info, ledger, make_uid(seed, "sop", key, 1, 0))
    return hu.shape[2] + int(with_scout)
