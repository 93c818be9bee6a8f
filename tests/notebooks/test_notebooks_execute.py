"""Both notebooks run top to bottom (nbclient, the venv's Python as kernel) on demo-size data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from medvlp.benchmark.results import append_record, config_hash

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


@pytest.fixture()
def venv_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernelspec that runs this interpreter (the venv's), found first via JUPYTER_PATH."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "venv", "language": "python"}
    spec.joinpath("kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return "python3"


def _execute(name: str, kernel: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), "notebooks are stored without outputs"
    NotebookClient(nb, kernel_name=kernel, timeout=120, resources={"metadata": {"path": str(REPO)}}).execute()
    return nb


def _outputs(nb: nbformat.NotebookNode, mime: str) -> list[object]:
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.get("output_type") in ("display_data", "execute_result") and mime in o.get("data", {})]


def _run_zero_shot(tmp_path: Path, kernel: str, monkeypatch: pytest.MonkeyPatch, with_ct: bool) -> set[str]:
    from medvlp.data.synthetic import generate
    from medvlp.models import create_model, save_pretrained

    generate(tmp_path / "data", 8, 2, seed=0, cxr_size=64, ct_shape=(32, 32, 16), workers=1)
    save_pretrained(create_model("cxr_tiny"), tmp_path / "cxr")
    if with_ct:
        save_pretrained(create_model("ct_slicepool_tiny"), tmp_path / "ct")
    for var, value in {"DATA": "data", "CHECKPOINT": "cxr", "CT_CHECKPOINT": "ct", "OUT": "figures"}.items():
        monkeypatch.setenv(f"MEDVLP_NOTEBOOK_{var}", str(tmp_path / value))
    nb = _execute("zero_shot_classification.ipynb", kernel)
    table = next(t for t in _outputs(nb, "text/html") if "Pleural Effusion" in str(t))
    assert "cxr-000000" in str(table)  # probabilities per study
    figures = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert len(_outputs(nb, "image/png")) == len(figures)
    return figures


@pytest.mark.slow  # the CT variant below runs the same cells plus the CT part
def test_zero_shot_notebook_without_ct_model(tmp_path: Path, venv_kernel: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _run_zero_shot(tmp_path, venv_kernel, monkeypatch, with_ct=False)
    # no CT checkpoint: the notebook's CT part says so and is skipped
    assert figures == {"samples.png", "roc.png", "heatmap_0.png", "heatmap_1.png"}


def test_zero_shot_notebook_with_ct(tmp_path: Path, venv_kernel: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _run_zero_shot(tmp_path, venv_kernel, monkeypatch, with_ct=True)
    assert figures == {"samples.png", "roc.png", "heatmap_0.png", "heatmap_1.png", "ct_attention.png"}


def _record(model: str, task: str, fraction: float | None, seed: int, value: float) -> dict[str, object]:
    config = {"model": model, "task": task, "fraction": fraction, "seed": seed}
    return {"model": model, "task": task, "dataset": "synth-cxr", "modality": "2d", "fraction": fraction,
            "seed": seed, "config_hash": config_hash(config), "config": config, "status": "ok",
            "metrics": {"macro_auroc": value}, "ci": {"macro_auroc": [value - 0.05, value + 0.05]}}


def test_benchmark_report_notebook(tmp_path: Path, venv_kernel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "benchmark"
    for m, model in enumerate(["medvlp-tiny", "toy-2d"]):
        append_record(out, _record(model, "zeroshot", None, 42, 0.6 + 0.1 * m))
        for fraction in (0.01, 0.1, 1.0):
            for seed in (42, 43):
                value = 0.5 + 0.3 * fraction + 0.01 * (seed % 3)
                append_record(out, _record(model, "linear_probe", fraction, seed, value))
    skipped = {**_record("toy-2d", "segmentation", None, 42, 0.0), "status": "skipped", "metrics": {},
               "reason": "dataset has no masks", "reason_code": "unsupported_task"}
    append_record(out, skipped)
    monkeypatch.setenv("MEDVLP_NOTEBOOK_RESULTS", str(out / "results.jsonl"))
    monkeypatch.setenv("MEDVLP_NOTEBOOK_OUT", str(tmp_path / "figures"))
    nb = _execute("benchmark_report.ipynb", venv_kernel)
    plots = {p.name for p in (tmp_path / "figures" / "plots").glob("*.png")}
    assert {"bar_zeroshot_synth-cxr.png", "bar_linear_probe_synth-cxr.png",
            "label_efficiency_linear_probe_synth-cxr.png"} <= plots
    assert len(_outputs(nb, "image/png")) == 3
    assert any("dataset has no masks" in str(t) for t in _outputs(nb, "text/html"))
