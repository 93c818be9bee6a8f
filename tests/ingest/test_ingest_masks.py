"""Segmentation masks through ingest: beside-the-image mask files, source-manifest ``mask_path`` and
``boxes``, the image's geometry with nearest-neighbour resampling, manifest flags, exact resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ingest_testlib import SECRET
from PIL import Image

from medvlp import keys
from medvlp.config import load_config
from medvlp.data.datasets import ShardDataset, ShardMapDataset
from medvlp.data.manifest import read_manifest
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.masks import OTHER_VALUE
from medvlp.ingest.pipeline import run_ingest
from medvlp.ingest.source_manifest import SourceManifestError, read_source_manifest, write_source_manifest
from medvlp.knowledge.findings import CHEXPERT

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"
H, W = 40, 70  # not square: the mask must follow the image's aspect-kept resize and padding


def _image_and_mask(rng: np.random.Generator, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    image = rng.integers(20, 60, (H, W)).astype(np.uint8)
    mask = np.zeros((H, W), dtype=np.uint8)
    r0, r1, c0, c1 = box
    image[r0:r1, c0:c1] = 240
    mask[r0:r1, c0:c1] = 3
    return image, mask


def _folder_export(root: Path) -> None:
    rng = np.random.default_rng(0)
    for i, box in enumerate([(5, 20, 10, 30), (18, 36, 40, 66), (0, 0, 0, 0)]):
        study = root / f"p{i}" / f"s{i}"
        study.mkdir(parents=True)
        image, mask = _image_and_mask(rng, box)
        Image.fromarray(image).save(study / "1.png")
        if i < 2:  # the third image has no mask
            Image.fromarray(mask).save(study / "1.mask.png")
        (study / "report.txt").write_text("FINDINGS: Lung lesion.\n")


def _samples(out: Path) -> list[dict]:
    found = []
    for split in ("train", "valid", "test"):
        if not list((out / "shards").glob(f"{split}-*.tar")):
            continue  # a split may be empty on 3 studies
        ds = ShardMapDataset(out, split)
        found += [ds[i] for i in range(len(ds))]
    return found


def test_mask_beside_image_is_carried_on_the_image_grid(tmp_path: Path) -> None:
    _folder_export(tmp_path / "src")
    cfg = load_config(IngestConfig, DEMO, [])
    report = run_ingest(tmp_path / "src", tmp_path / "out", cfg, secret=SECRET)
    assert report.n_samples == 3
    rows = {r["path"]: r for r in read_manifest(tmp_path / "out").to_pylist()}
    assert (rows["p0/s0/1.mask.png"]["status"], rows["p0/s0/1.mask.png"]["reason"]) == ("ok", "mask")
    assert rows["p0/s0/1.mask.png"]["key"] == rows["p0/s0/1.png"]["key"]
    assert rows["p0/s0/1.png"]["has_mask"] is True and rows["p2/s2/1.png"]["has_mask"] is False
    assert rows["p0/s0/report.txt"]["has_mask"] is None
    samples = {s[keys.KEY]: s for s in _samples(tmp_path / "out")}
    assert keys.SEG_MASK not in samples[rows["p2/s2/1.png"]["key"]]
    for name in ("p0/s0/1.png", "p1/s1/1.png"):
        sample = samples[rows[name]["key"]]
        mask, image = sample[keys.SEG_MASK].numpy(), sample[keys.IMAGE][0].numpy()
        assert mask.shape == image.shape == (64, 64) and set(np.unique(mask)) == {0, 3}  # nearest: no blends
        bright = image > 0.5
        overlap = (bright & (mask > 0)).sum() / (bright | (mask > 0)).sum()
        assert overlap > 0.8, overlap  # the mask sits where the bright block was resized and padded to
        assert not mask[:12].any() and not mask[-12:].any()  # the padding rows (40x70 -> 36x64 + padding)


def test_changed_mask_reprocesses_the_study(tmp_path: Path) -> None:
    _folder_export(tmp_path / "src")
    cfg = load_config(IngestConfig, DEMO, [])
    run_ingest(tmp_path / "src", tmp_path / "out", cfg, secret=SECRET)
    key = {r["path"]: r for r in read_manifest(tmp_path / "out").to_pylist()}["p0/s0/1.png"]["key"]
    before = {s[keys.KEY]: s for s in _samples(tmp_path / "out")}[key][keys.SEG_MASK].numpy()
    Image.fromarray(np.zeros((H, W), np.uint8)).save(tmp_path / "src" / "p0" / "s0" / "1.mask.png")
    run_ingest(tmp_path / "src", tmp_path / "out", cfg, secret=SECRET)
    after = {s[keys.KEY]: s for s in _samples(tmp_path / "out")}[key][keys.SEG_MASK].numpy()
    assert before.any() and not after.any()


def test_training_stream_is_unchanged_by_masks(tmp_path: Path) -> None:
    _folder_export(tmp_path / "src")
    run_ingest(tmp_path / "src", tmp_path / "out", load_config(IngestConfig, DEMO, []), secret=SECRET)
    samples = [s for split in ("train", "valid", "test") for s in _stream(tmp_path / "out", split)]
    assert samples and all(keys.SEG_MASK not in s for s in samples)


def _stream(out: Path, split: str) -> list[dict]:
    if not list((out / "shards").glob(f"{split}-*.tar")):
        return []
    return list(ShardDataset(out, split))


def _manifest_dataset(root: Path) -> None:
    rng = np.random.default_rng(1)
    (root / "img").mkdir(parents=True)
    (root / "ann").mkdir()
    for i in range(4):
        image, mask = _image_and_mask(rng, (10, 30, 20, 50))
        Image.fromarray(image).save(root / "img" / f"{i}.png")
        Image.fromarray(mask if i != 3 else mask[:, :20]).save(root / "ann" / f"{i}.png")  # 3: wrong size
    boxes = json.dumps([[20, 10, 50, 30, "Pneumothorax"], [0, 0, 5, 5, "x_foreign_object"]])
    rows = [
        {"image_path": "img/0.png", "report": "FINDINGS: Normal.", "study_id": "a", "split": "train",
         "mask_path": "ann/0.png"},
        {"image_path": "img/1.png", "report": "FINDINGS: Normal.", "study_id": "b", "split": "train", "boxes": boxes},
        {"image_path": "img/2.png", "report": "FINDINGS: Normal.", "study_id": "c", "split": "test"},
        {"image_path": "img/3.png", "report": "FINDINGS: Normal.", "study_id": "d", "split": "test",
         "mask_path": "ann/3.png"},
    ]
    write_source_manifest(rows, root / "source.csv")


def test_source_manifest_mask_path_and_boxes(tmp_path: Path) -> None:
    _manifest_dataset(tmp_path / "src")
    cfg = load_config(IngestConfig, DEMO, ["source_manifest=source.csv"])
    run_ingest(tmp_path / "src", tmp_path / "out", cfg, secret=SECRET)
    rows = {r["path"]: r for r in read_manifest(tmp_path / "out").to_pylist()}
    assert [rows[f"img/{i}.png"]["has_mask"] for i in range(4)] == [True, True, False, False]
    assert rows["ann/0.png"]["status"] == "ok" and rows["ann/3.png"]["status"] == "error"  # wrong size: image kept
    assert rows["img/3.png"]["status"] == "ok"
    samples = {s[keys.KEY]: s for s in _samples(tmp_path / "out")}
    from_file = samples[rows["img/0.png"]["key"]][keys.SEG_MASK].numpy()
    from_boxes = samples[rows["img/1.png"]["key"]][keys.SEG_MASK].numpy()
    pneumothorax = CHEXPERT.labels.index("Pneumothorax") + 1
    assert set(np.unique(from_file)) == {0, 3}
    assert set(np.unique(from_boxes)) == {0, pneumothorax, OTHER_VALUE}
    np.testing.assert_array_equal(from_file > 0, from_boxes == pneumothorax)  # same region, same geometry


def test_mask_with_several_images_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("image_path,report,mask_path\na.png;b.png,x,m.png\n")
    with pytest.raises(SourceManifestError, match="exactly one"):
        read_source_manifest(tmp_path / "m.csv")


@pytest.mark.parametrize("image,mask,paired", [
    ("a/1.dcm", "a/1.mask.png", True), ("a/IM0001", "a/IM0001.mask.png", True),
    ("a/1.2.840.5.dcm", "a/1.2.840.5.mask.png", True), ("a/1.2.840.5.dcm", "a/1.2.840.6.mask.png", False),
    ("a/x.png", "b/x.mask.png", False), ("a/x.png", "a/x.mask.png", True),
])
def test_mask_files_pair_by_stem(image: str, mask: str, paired: bool) -> None:
    from medvlp.ingest.masks import attach_masks
    from medvlp.ingest.tasks import ImageUnit, InputFile, StudyTask

    files = [InputFile(0, image, "/src/" + image, "raster"), InputFile(1, mask, "/src/" + mask, "mask")]
    task = StudyTask(ref="s", patient="p", units=[ImageUnit("radiograph", [0])], paths={0: files[0].path},
                     rels={0: image})
    attach_masks([task], files)
    assert (task.units[0].mask == 1) is paired and (1 in task.paths) is paired
