"""Every figure renders to a non-blank PNG of the expected size, with titles and axis labels set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from medvlp.visualize import (
    axial_display,
    radiograph_heatmap_figure,
    roc_curves_figure,
    sample_reports_figure,
    save_figure,
    similarity_map,
    top_slices,
    volume_attention_figure,
)

RNG = np.random.default_rng(7)


def _render(fig: Figure, path: Path) -> np.ndarray:
    width, height = fig.get_size_inches() * 100
    save_figure(fig, path, dpi=100)
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape == (round(height), round(width))  # PNG at the requested size
    assert pixels.var() > 100.0  # not blank
    return pixels


def _labelled(fig: Figure) -> None:
    title = fig._suptitle.get_text() if fig._suptitle else ""
    assert title or any(ax.get_title() for ax in fig.axes)
    plotted = [ax for ax in fig.axes if ax.get_xlabel() and ax.get_ylabel()]
    assert plotted, "no axes with both axis labels"


def test_radiograph_heatmap(tmp_path: Path) -> None:
    image = RNG.random((64, 64))
    heat = np.linspace(-1, 1, 64 * 64).reshape(64, 64)
    fig = radiograph_heatmap_figure(image, heat, "Pleural Effusion", 0.73)
    _labelled(fig)
    assert any("cosine similarity" in ax.get_ylabel() for ax in fig.axes)  # the colorbar is labelled
    _render(fig, tmp_path / "heat.png")
    with pytest.raises(ValueError):
        radiograph_heatmap_figure(image, heat[:10], "x")


def test_volume_attention_marks_top_slices(tmp_path: Path) -> None:
    volume = RNG.random((24, 24, 12))
    attention = np.full(12, 0.05)
    attention[[2, 9]] = 0.3
    assert top_slices(attention, 2) == [2, 9]
    fig = volume_attention_figure(volume, attention, positions=np.arange(12) * 5.0,
                                  similarity=RNG.random(12), k=2, title="CT")
    _labelled(fig)
    assert "mm" in fig.axes[0].get_xlabel()
    assert [ax.get_title() for ax in fig.axes if ax.get_title().startswith("slice")] == [
        "slice 2 (10 mm)", "slice 9 (45 mm)"]
    _render(fig, tmp_path / "vol.png")


def test_axial_display_is_radiological() -> None:
    volume = np.zeros((4, 5, 1))
    volume[3, 4, 0] = 1.0  # most right-ward (+x, R) and most anterior (+y, A) voxel
    shown = axial_display(volume, 0)
    assert shown.shape == (5, 4) and shown[0, 0] == 1.0  # top (anterior), left of the viewer (patient right)


def test_sample_reports_are_deidentified(tmp_path: Path) -> None:
    reports = ["FINDINGS: small left effusion. " * 20,
               "Discussed with Dr. Abernathy on 01/02/2020. IMPRESSION: normal."]
    fig = sample_reports_figure([RNG.random((32, 32)), RNG.random((32, 40))], reports, ["a", "b"])
    _labelled(fig)
    shown = " ".join(t.get_text() for ax in fig.axes for t in ax.texts).replace("\n", " ")
    assert "small left effusion" in shown and "IMPRESSION: normal." in shown
    assert "Abernathy" not in shown and "01/02/2020" not in shown
    _render(fig, tmp_path / "samples.png")


def test_roc_curves_skip_single_class(tmp_path: Path) -> None:
    targets = np.array([[1, 1], [0, 1], [1, np.nan], [0, 1], [1, 1], [0, -1]], dtype=float)
    scores = RNG.random(targets.shape)
    fig = roc_curves_figure(targets, scores, ["Edema", "Fracture"])
    _labelled(fig)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(lab.startswith("Edema (AUROC") for lab in labels)
    assert "Fracture: not defined (one class)" in labels
    _render(fig, tmp_path / "roc.png")


def test_similarity_map_locates_the_matching_patch() -> None:
    text = torch.nn.functional.normalize(torch.randn(8), dim=0)
    tokens = torch.nn.functional.normalize(torch.randn(16, 8), dim=-1)
    tokens[5] = text  # the patch at grid row 1, column 1 (4 x 4 grid) matches the text exactly
    heat = similarity_map(tokens, text, (32, 32))
    assert heat.shape == (32, 32)
    row, col = np.unravel_index(np.argmax(heat), heat.shape)
    assert 8 <= row < 16 and 8 <= col < 16
    assert similarity_map(tokens, text, (4, 4, 16)).shape == (16,)  # one value per slice for volumes
