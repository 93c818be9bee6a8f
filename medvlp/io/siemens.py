"""Siemens mosaics: how many slices a mosaic holds and its slice normal, from the CSA header.

nibabel's CSA reader parses the private (0029,1010) header; the slice count also appears in the
private tag (0019,100A) on newer software, which is tried first because it needs no parsing.
"""

from __future__ import annotations

import warnings

from pydicom.dataset import Dataset


def mosaic_info(ds: Dataset) -> tuple[int, tuple[float, float, float] | None]:
    """(number of slices in the mosaic, CSA SliceNormalVector or None); (0, None) when unknown."""
    with warnings.catch_warnings():  # nibabel warns that its DICOM readers are experimental
        warnings.simplefilter("ignore")
        from nibabel.nicom import csareader

    count = 0
    elem = ds.get((0x0019, 0x100A))
    if elem is not None and elem.value not in (None, b"", ""):
        try:
            count = int(elem.value if not isinstance(elem.value, bytes)
                        else int.from_bytes(elem.value[:2], "little"))
        except (TypeError, ValueError):
            count = 0
    normal = None
    with warnings.catch_warnings():  # nibabel warns that its DICOM readers are experimental
        warnings.simplefilter("ignore")
        try:
            header = csareader.get_csa_header(ds, "image")
        except (csareader.CSAReadError, KeyError, ValueError, TypeError, IndexError):
            header = None
    if header:
        if not count:
            count = int(csareader.get_n_mosaic(header) or 0)
        vector = csareader.get_slice_normal(header)
        if vector is not None and len(vector) == 3:
            normal = (float(vector[0]), float(vector[1]), float(vector[2]))
    return count, normal
