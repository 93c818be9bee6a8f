"""`medvlp zeroshot` end to end: real radiographs, bad files, unknown findings, a CT model on synthetic CT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from medvlp.cli.main import main

REAL = "radiographs/torchxrayvision_tests"


@pytest.fixture(scope="module")
def cxr_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from medvlp.models import create_model, save_pretrained

    out = tmp_path_factory.mktemp("cxr_ckpt")
    save_pretrained(create_model("cxr_tiny"), out)
    return out


def _png_is_picture(path: Path) -> None:
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert pixels.std() > 5.0  # not a blank canvas


def test_real_radiographs_with_a_bad_file(realdata: Path, cxr_checkpoint: Path, tmp_path: Path) -> None:
    folder = realdata / REAL
    dicom = next(p for p in sorted(folder.glob("*.dcm")) if not p.name.startswith("Fake"))
    png = min(folder.glob("*.png"))
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"this is not a DICOM file" * 10)
    out, maps = tmp_path / "scores.csv", tmp_path / "maps"
    rc = main(["zeroshot", "--checkpoint", str(cxr_checkpoint), "--findings", "pleural effusion, PTX",
               "--out", str(out), "--heatmaps", str(maps), str(dicom), str(png), str(bad)])
    assert rc == 0
    table = pd.read_csv(out)
    assert list(table.columns[-2:]) == ["Pleural Effusion", "Pneumothorax"]  # synonyms resolved, order kept
    ok = table[table.status == "ok"]
    assert set(ok.path) == {str(dicom), str(png)}
    assert ok[["Pleural Effusion", "Pneumothorax"]].apply(lambda c: c.between(0, 1)).all().all()
    failed = table[table.status == "error"].iloc[0]
    assert failed.path == str(bad) and failed.error_code and isinstance(failed.error, str)
    pictures = sorted(maps.glob("*.png"))
    assert len(pictures) == 4  # two studies x two findings
    _png_is_picture(pictures[0])


def test_nothing_scored_exits_non_zero(cxr_checkpoint: Path, tmp_path: Path) -> None:
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    rc = main(["zeroshot", "--checkpoint", str(cxr_checkpoint), "--findings", "edema", str(bad),
               str(tmp_path / "missing.dcm")])
    assert rc == 1


def test_unknown_finding_lists_known_ones(cxr_checkpoint: Path, tmp_path: Path,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    image = tmp_path / "x.png"
    Image.fromarray((np.random.default_rng(0).random((40, 40)) * 255).astype(np.uint8)).save(image)
    rc = main(["zeroshot", "--checkpoint", str(cxr_checkpoint), "--findings", "edema,broken heart",
               str(image)])
    err = capfd.readouterr().err
    assert rc == 2
    assert "broken heart" in err and "Pleural Effusion" in err


def test_ct_model_on_series_and_nifti(tmp_path: Path) -> None:
    from medvlp.data.synthetic import generate
    from medvlp.io import read_dicom_series, write_nifti
    from medvlp.models import create_model, save_pretrained

    generate(tmp_path / "data", 1, 3, seed=0, cxr_size=64, ct_shape=(32, 32, 16), workers=1)
    series = sorted({p.parent for p in (tmp_path / "data" / "ct" / "dicom").rglob("*.dcm")})
    nifti = write_nifti(read_dicom_series(series[0]), tmp_path / "ct.nii.gz")
    radiograph = next((tmp_path / "data" / "cxr").rglob("*.dcm"))
    ckpt = tmp_path / "ct_ckpt"
    save_pretrained(create_model("ct_slicepool_tiny"), ckpt)
    out, maps = tmp_path / "ct.csv", tmp_path / "maps"
    rc = main(["zeroshot", "--checkpoint", str(ckpt), "--findings", "nodule,pleural effusion",
               "--out", str(out), "--heatmaps", str(maps),
               str(tmp_path / "data" / "ct"), str(nifti), str(radiograph)])
    assert rc == 0
    table = pd.read_csv(out)
    assert "Lung Nodule" in table.columns  # the CT label set wins the shared synonym "nodule"
    assert (table.status == "ok").sum() >= 2 and str(nifti) in set(table[table.status == "ok"].path)
    assert set(table[table.status == "error"].path) >= {str(radiograph)}  # a radiograph is not a CT series
    pictures = sorted(maps.glob("*.png"))
    assert len(pictures) == 2 * (table.status == "ok").sum()
    _png_is_picture(pictures[0])
