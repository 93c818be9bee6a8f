"""Header de-identification: keyed pseudonyms and the DICOM PS3.15 Basic Confidentiality Profile.

Pseudonyms are HMAC-SHA256(secret, kind + value), so they are stable across runs with the same secret,
differ between kinds (a PatientID never collides with an accession number) and cannot be reversed or
recomputed without the secret. The secret comes from the environment and is never written anywhere.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
from pathlib import Path

from pydicom.dataset import Dataset

from medvlp.errors import ConfigError
from medvlp.io.deid_profile import BASIC_PROFILE, Action

SECRET_ENV = "MEDVLP_PSEUDONYM_SECRET"
SECRET_FILE_ENV = "MEDVLP_PSEUDONYM_SECRET_FILE"


class Pseudonymizer:
    """Keyed pseudonyms: ``Pseudonymizer(secret).pseudonym("patient", "MRN123") -> "patient-3f9c..."``."""

    def __init__(self, secret: bytes, length: int = 16) -> None:
        if len(secret) < 16:
            raise ConfigError("pseudonym secret must be at least 16 bytes")
        self._secret = secret
        self._length = length

    def __repr__(self) -> str:  # never show the secret in logs or tracebacks
        return "Pseudonymizer(secret=<hidden>)"

    def digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._secret, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()

    def pseudonym(self, kind: str, value: str) -> str:
        """``<kind>-<hex>``: deterministic for (secret, kind, value), unlinkable without the secret."""
        return f"{kind}-{self.digest(kind, value).hex()[: self._length]}"

    def uid(self, value: str) -> str:
        """A valid DICOM UID under the UUID-derived root ``2.25`` (PS3.5 B.2), at most 64 characters."""
        number = int.from_bytes(self.digest("uid", value)[:16], "big")
        return f"2.25.{number}"


def secret_from_env() -> bytes:
    """The secret from ``MEDVLP_PSEUDONYM_SECRET`` or the file named by ``MEDVLP_PSEUDONYM_SECRET_FILE``."""
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode()
    file_name = os.environ.get(SECRET_FILE_ENV)
    if file_name:
        try:
            secret = Path(file_name).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"{SECRET_FILE_ENV}={file_name} cannot be read: {exc.strerror}") from exc
        if not secret:
            raise ConfigError(f"{SECRET_FILE_ENV}={file_name} is empty")
        return secret
    raise ConfigError(f"no pseudonym secret: set {SECRET_ENV} or {SECRET_FILE_ENV} (the secret is never stored)")


_MAX_LENGTH = {"SH": 16, "LO": 64, "CS": 16, "PN": 64}


def _dummy(vr: str) -> object:
    return {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "AS": "000Y", "UI": "2.25.0",
            "IS": "0", "DS": "0", "US": 0, "SS": 0, "UL": 0, "SL": 0, "FL": 0.0, "FD": 0.0,
            "PN": "ANONYMOUS"}.get(vr, "ANONYMIZED")


def deidentify_dataset(ds: Dataset, pseudonymizer: Pseudonymizer, keep_private: bool = False) -> Dataset:
    """A de-identified copy of ``ds`` following the Basic Application Level Confidentiality Profile.

    UIDs are replaced by keyed UIDs (consistent across files, so series still group); PatientID and
    AccessionNumber by keyed pseudonyms; other listed attributes are removed, emptied or dummied.
    Private tags are removed unless ``keep_private``. Sequences are processed recursively.
    """
    out = copy.deepcopy(ds)  # elements are edited in place below; the caller's dataset stays intact
    _apply_profile(out, pseudonymizer, keep_private)
    out.PatientIdentityRemoved = "YES"
    out.DeidentificationMethod = "medvlp PS3.15 Basic Application Level Confidentiality Profile"
    if hasattr(out, "file_meta") and "SOPInstanceUID" in out:
        out.file_meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID
    return out


def _apply_profile(ds: Dataset, pseudonymizer: Pseudonymizer, keep_private: bool) -> None:
    if not keep_private:
        ds.remove_private_tags()
    for elem in list(ds):
        if elem.VR == "SQ":
            for item in elem.value:
                _apply_profile(item, pseudonymizer, keep_private)
        action = BASIC_PROFILE.get(elem.keyword)
        if action is None:
            continue
        if action is Action.REMOVE:
            del ds[elem.tag]
        elif action is Action.EMPTY:
            elem.value = None if elem.VR != "SQ" else []
        elif action is Action.DUMMY:
            elem.value = _dummy(elem.VR)
        elif action is Action.UID and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            new = [pseudonymizer.uid(str(v)) for v in values]
            elem.value = new if elem.VM > 1 else new[0]
        elif action is Action.PSEUDONYM and elem.value:
            text = pseudonymizer.pseudonym(elem.keyword, str(elem.value))
            limit = _MAX_LENGTH.get(elem.VR)
            if limit is not None and len(text) > limit:  # e.g. AccessionNumber is SH: 16 characters
                text = pseudonymizer.digest(elem.keyword, str(elem.value)).hex()[:limit]
            elem.value = text
