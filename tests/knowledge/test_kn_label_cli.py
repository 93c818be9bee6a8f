"""``medvlp label-reports``: CheXpert file format, bad rows, broken CSV, user rules."""

from __future__ import annotations

import csv
from pathlib import Path

from medvlp.cli.main import main
from medvlp.knowledge.findings import CHEXPERT, CT

HEADER = ("Reports,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Lesion,Lung Opacity,Edema,"
          "Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices")


def run(tmp_path: Path, data: bytes, *extra: str) -> list[dict[str, str]]:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(data)
    assert main(["label-reports", str(src), str(out), *extra]) == 0
    assert out.read_text().splitlines()[0].startswith("Reports,")
    with out.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_chexpert_format_exactly(tmp_path: Path) -> None:
    data = b'"No pneumothorax, but small left effusion."\nCannot exclude pneumonia.\n"Heart size is top normal."\n'
    rows = run(tmp_path, data)
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == HEADER
    assert len(rows) == 3
    assert rows[0]["Reports"] == "No pneumothorax, but small left effusion."
    assert rows[0]["Pneumothorax"] == "0.0" and rows[0]["Pleural Effusion"] == "1.0" and rows[0]["Edema"] == ""
    assert rows[1]["Pneumonia"] == "-1.0" and rows[1]["No Finding"] == ""
    assert rows[2]["Cardiomegaly"] == "0.0" and rows[2]["No Finding"] == "1.0"


def test_laterality_columns(tmp_path: Path) -> None:
    rows = run(tmp_path, b"Decreased bilateral effusions.\n", "--laterality")
    sided = [n for n in CHEXPERT.labels if n in CHEXPERT.sided]
    assert [c for c in rows[0] if c.endswith(" Laterality")] == [f"{n} Laterality" for n in sided]
    assert rows[0]["Pleural Effusion Laterality"] == "bilateral" and rows[0]["Pneumothorax Laterality"] == ""


def test_ct_label_set(tmp_path: Path) -> None:
    rows = run(tmp_path, b"Centrilobular emphysema. No pleural effusion.\n", "--label-set", "ct")
    assert list(rows[0]) == ["Reports", *CT.labels]
    assert rows[0]["Emphysema"] == "1.0" and rows[0]["Pleural Effusion"] == "0.0"


def test_bad_rows_keep_row_count(tmp_path: Path) -> None:
    """Empty, whitespace-only, non-UTF-8, binary and 10 MB rows: blank labels, errors recorded, no crash."""
    huge = b'"' + b"Small effusion. " * 700_000 + b'"'  # ~11 MB
    data = b"\n".join([b"Small left effusion.", b'"   "', b"Lungs \xff\xfe clear.", b'"\x01\x02\x03\x04\x05\x06"',
                       huge, b'""', b"No pneumothorax."]) + b"\n"
    errors = tmp_path / "errors.csv"
    rows = run(tmp_path, data, "--errors", str(errors))
    assert len(rows) == 7
    assert rows[0]["Pleural Effusion"] == "1.0" and rows[6]["Pneumothorax"] == "0.0"
    for bad in rows[1:6]:
        assert all(bad[n] == "" for n in CHEXPERT.labels)
    with errors.open(newline="") as fh:
        recorded = list(csv.DictReader(fh))
    assert [r["source"].rsplit(":", 1)[1] for r in recorded] == ["2", "3", "4", "5", "6"]
    assert "UTF-8" in recorded[1]["reason"] and "limit" in recorded[3]["reason"]


def test_broken_quoting_falls_back_to_lines(tmp_path: Path) -> None:
    rows = run(tmp_path, b'Small left effusion.\n"Unterminated quote, no pneumothorax.\nCannot exclude pneumonia.\n')
    assert len(rows) == 3
    assert rows[1]["Pneumothorax"] == "0.0" and rows[2]["Pneumonia"] == "-1.0"


def test_multiline_quoted_report_and_unquoted_commas(tmp_path: Path) -> None:
    rows = run(tmp_path, b'"FINDINGS: Small left\neffusion.\nIMPRESSION: Effusion."\nNo pneumothorax, no edema.\n')
    assert len(rows) == 2
    assert rows[0]["Pleural Effusion"] == "1.0"
    assert rows[1]["Reports"] == "No pneumothorax, no edema." and rows[1]["Edema"] == "0.0"


def test_user_rules_file_extends_mentions_and_cues(tmp_path: Path) -> None:
    rules = tmp_path / "extra.yaml"
    rules.write_text("labels:\n  Pleural Effusion:\n    mentions: [fluid collection]\n"
                     "cues:\n  negation_pre: [nary a]\n")
    rows = run(tmp_path, b"Fluid collection at the left base.\nNary a pneumothorax.\n", "--rules", str(rules))
    assert rows[0]["Pleural Effusion"] == "1.0"
    assert rows[1]["Pneumothorax"] == "0.0"


def test_bad_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("labels:\n  Pleural Efusion:\n    mentions: [x]\n")
    src = tmp_path / "in.csv"
    src.write_text("Small effusion.\n")
    assert main(["label-reports", str(src), str(tmp_path / "o.csv"), "--rules", str(rules)]) == 2
    assert not (tmp_path / "o.csv").exists()
