"""Identifiers read from DICOM headers, kept apart from whitelisted metadata so they can be pseudonymised.

Nothing else in ``medvlp.io`` output carries patient or study identity; names, birth dates and
addresses are never read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pydicom.dataset import Dataset

from medvlp.io.deid import Pseudonymizer

T = TypeVar("T")


@dataclass(frozen=True)
class RecordIdentifiers:
    """Identifiers that must be pseudonymised before they leave the I/O layer."""

    patient_id: str = ""
    accession_number: str = ""
    study_uid: str = ""
    series_uid: str = ""
    sop_uid: str = ""

    @classmethod
    def from_dataset(cls, ds: Dataset) -> RecordIdentifiers:
        def get(name: str) -> str:
            return str(ds.get(name, "") or "")

        return cls(get("PatientID"), get("AccessionNumber"), get("StudyInstanceUID"),
                   get("SeriesInstanceUID"), get("SOPInstanceUID"))

    def pseudonymised(self, pseudonymizer: Pseudonymizer) -> RecordIdentifiers:
        """Same fields, each replaced by its keyed pseudonym (empty stays empty)."""
        kinds = {"patient_id": "patient", "accession_number": "accession", "study_uid": "study",
                 "series_uid": "series", "sop_uid": "sop"}
        values = {f: pseudonymizer.pseudonym(kind, getattr(self, f)) if getattr(self, f) else ""
                  for f, kind in kinds.items()}
        return RecordIdentifiers(**values)


def with_pseudonyms(item: T, pseudonymizer: Pseudonymizer) -> T:
    """A copy of a ``Radiograph`` or ``Volume`` whose ``ids`` are replaced by keyed pseudonyms."""
    current: Any = item
    return replace(current, ids=current.ids.pseudonymised(pseudonymizer))
