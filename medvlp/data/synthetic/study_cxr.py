"""Generate one radiograph study: findings, views, DICOM files, report and records."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Study
from medvlp.data.synthetic.dicom_common import StudyInfo
from medvlp.data.synthetic.dicom_cxr import radiograph_dataset, write_radiograph
from medvlp.data.synthetic.masks import MASK_SUFFIX, png_bytes
from medvlp.data.synthetic.output import write_bytes, write_text
from medvlp.data.synthetic.params import StudyRecord, StudyTask, SynthParams
from medvlp.data.synthetic.phantom_cxr import sample_anatomy
from medvlp.data.synthetic.phi import Ledger, sample_identity
from medvlp.data.synthetic.radiograph import Detector, prepare, render_view, to_stored
from medvlp.data.synthetic.report import ReportContext, write_report
from medvlp.data.synthetic.sampling_cxr import sample_cxr_findings
from medvlp.data.synthetic.seeding import STREAM_CXR, STREAM_PATIENT, make_rng, make_uid
from medvlp.data.synthetic.truth import truth_row
from medvlp.knowledge.findings import CHEXPERT

STREAM_HABITUS = 10  # patient body shape, shared by all studies of a patient


def _views(rng: np.random.Generator, has_devices: bool) -> list[str]:
    frontal = "AP" if rng.random() < (0.7 if has_devices else 0.15) else "PA"
    lateral = rng.random() < (0.35 if frontal == "PA" else 0.1)
    return [frontal, "LL"] if lateral else [frontal]


def generate_cxr_study(task: StudyTask, params: SynthParams) -> StudyRecord:
    """Draw, write and describe one radiograph study (deterministic in (seed, task))."""
    seed, rng = params.seed, make_rng(params.seed, STREAM_CXR, task.index)
    ident = sample_identity(make_rng(seed, STREAM_PATIENT, task.patient_index))
    findings, negated = sample_cxr_findings(rng)
    modality = "CR" if rng.random() < 0.5 else "DX"
    study = Study(study_key=task.study_key, patient_key=task.patient_key, patient_index=task.patient_index,
                  visit=task.visit, modality=modality, label_set=CHEXPERT.name, findings=findings, negated=negated,
                  views=_views(rng, any(f.label == "Support Devices" for f in findings)))
    detector = Detector(bits_stored=int(rng.integers(12, 17)),
                        monochrome1=bool(rng.random() < (0.5 if modality == "CR" else 0.1)))
    info = StudyInfo(study_uid=make_uid(seed, "study", task.study_key), accession=f"A{int(rng.integers(10**7, 10**8))}",
                     study_date=ident.visit_dates[task.visit], study_id=str(int(rng.integers(1, 99999))))
    anatomy = sample_anatomy(make_rng(seed, STREAM_HABITUS, task.patient_index), rng)
    prepare(anatomy, findings, rng)
    ledger = Ledger()
    rel = f"cxr/{task.patient_key}/{task.study_key}"
    folder = params.out_dir / rel
    rows = params.cxr_size
    mask_paths = []
    for number, view in enumerate(study.views, start=1):
        cols = rows if view != "LL" else round(rows * 0.9)
        mask = np.zeros((rows, cols), dtype=np.uint8) if view != "LL" else None
        pixels = to_stored(render_view(anatomy, findings, view, rows, cols, rng, mask), anatomy, detector, rng)
        series_uid = make_uid(seed, "series", task.study_key, number)
        ds = radiograph_dataset(pixels, modality, view, detector, 400.0 / (rows * anatomy.scale), series_uid,
                                make_uid(seed, "sop", task.study_key, number), number, ident, info, ledger)
        series_dir = series_uid.split(".")[-1][-12:]
        write_radiograph(folder / series_dir / "1.dcm", ds)
        if mask is not None:  # frontal views: the localisable findings' regions, same grid as the DICOM
            write_bytes(folder / series_dir / f"1{MASK_SUFFIX}", png_bytes(mask))
            mask_paths.append(f"{rel}/{series_dir}/1{MASK_SUFFIX}")
    prior = ident.visit_dates[task.visit - 1] if task.visit else None
    ctx = ReportContext(ident, info.study_date, prior, info.accession, "+".join(study.views))
    is_normal = not (study.positive_labels() - {"Support Devices"})
    text, mentions = write_report(study, ctx, ledger, rng, is_normal)
    write_text(folder / "report.txt", text)
    base = {"study_key": task.study_key, "patient_key": task.patient_key, "modality": modality, "format": "dicom",
            "path": rel, "label_set": CHEXPERT.name, "n_images": str(len(study.views)), "views": "+".join(study.views),
            "mask_paths": ";".join(mask_paths)}
    return StudyRecord(truth=truth_row(study, CHEXPERT, mentions, base),
                       report_row={"study_key": task.study_key, "accession_number": info.accession,
                                   "study_instance_uid": info.study_uid, "report": text},
                       ledger=ledger.entries)
