"""Imaging I/O: DICOM radiographs, DICOM series -> volumes, NIfTI, PNG/JPEG, header de-identification."""

from medvlp.io.batch import FileResult, read_all, read_each
from medvlp.io.deid import Pseudonymizer, deidentify_dataset, secret_from_env
from medvlp.io.dicom_volume import VolumeSet, read_dicom_series, read_dicom_volumes
from medvlp.io.fast2d import load_radiograph_array
from medvlp.io.identifiers import with_pseudonyms
from medvlp.io.nifti import read_nifti, write_nifti
from medvlp.io.radiograph import Radiograph, RadiographMeta, RecordIdentifiers, read_radiograph
from medvlp.io.value_chain import ValueChain
from medvlp.io.volume import Volume

__all__ = [
    "FileResult", "Pseudonymizer", "Radiograph", "RadiographMeta", "RecordIdentifiers", "ValueChain",
    "Volume", "VolumeSet", "deidentify_dataset", "load_radiograph_array", "read_all", "read_dicom_series",
    "read_dicom_volumes", "read_each", "read_nifti", "read_radiograph", "secret_from_env", "with_pseudonyms",
    "write_nifti",
]
