"""Keyed pseudonyms, the secret's source, and PS3.15 de-identification of whole datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from io_dicom_factory import ct_slice

from medvlp.errors import ConfigError
from medvlp.io import Pseudonymizer, deidentify_dataset, secret_from_env

SECRET = b"0123456789abcdef-secret"


def test_pseudonyms_are_stable_keyed_and_kind_separated() -> None:
    a, b = Pseudonymizer(SECRET), Pseudonymizer(SECRET)
    assert a.pseudonym("patient", "MRN1") == b.pseudonym("patient", "MRN1")
    assert a.pseudonym("patient", "MRN1") != a.pseudonym("patient", "MRN2")
    assert a.pseudonym("patient", "MRN1") != a.pseudonym("accession", "MRN1")
    assert a.pseudonym("patient", "MRN1") != Pseudonymizer(b"another-secret-16b").pseudonym("patient", "MRN1")
    assert SECRET.decode() not in repr(a)
    with pytest.raises(ConfigError):
        Pseudonymizer(b"short")


def test_secret_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDVLP_PSEUDONYM_SECRET", raising=False)
    monkeypatch.delenv("MEDVLP_PSEUDONYM_SECRET_FILE", raising=False)
    with pytest.raises(ConfigError, match="MEDVLP_PSEUDONYM_SECRET"):
        secret_from_env()
    (tmp_path / "key").write_bytes(b"from-a-file-secret\n")
    monkeypatch.setenv("MEDVLP_PSEUDONYM_SECRET_FILE", str(tmp_path / "key"))
    assert secret_from_env() == b"from-a-file-secret"
    monkeypatch.setenv("MEDVLP_PSEUDONYM_SECRET", "env-wins")
    assert secret_from_env() == b"env-wins"


def test_deidentify_dataset_follows_basic_profile(tmp_path: Path) -> None:
    ds = ct_slice(np.zeros((4, 4), np.int16), (0, 0, 0), PatientAddress="1 Main St",
                  InstitutionName="General Hospital", ReferringPhysicianName="Who^Doctor")
    ds.add_new((0x0011, 0x0010), "LO", "ACME private")
    out = deidentify_dataset(ds, Pseudonymizer(SECRET))
    text = str(out)
    for leaked in ("Doe", "Jane", "19700101", "1 Main St", "General Hospital", "Doctor", "MRN-0042",
                   "ACC-777", "ACME", ds.StudyInstanceUID):
        assert leaked not in text, leaked
    assert out.PatientIdentityRemoved == "YES"
    assert out.PatientID == Pseudonymizer(SECRET).pseudonym("PatientID", "MRN-0042")
    assert len(out.AccessionNumber) <= 16, "SH value length respected"
    assert out.StudyInstanceUID.startswith("2.25.") and len(out.StudyInstanceUID) <= 64
    again = deidentify_dataset(ds, Pseudonymizer(SECRET))
    assert again.SeriesInstanceUID == out.SeriesInstanceUID, "consistent UIDs keep series together"
    assert ds.PatientName == "Doe^Jane", "input dataset is not modified"
    out.save_as(tmp_path / "deid.dcm", enforce_file_format=True)
    assert pydicom.dcmread(tmp_path / "deid.dcm").PatientName == ""
