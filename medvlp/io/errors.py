"""Typed errors for bad imaging input. Each names the file and the reason (see ``medvlp.errors``).

``InputError.code`` turns the class name into the manifest code, e.g. ``TruncatedFileError`` ->
``truncated_file``; batch helpers record that code instead of crashing.
"""

from __future__ import annotations

from medvlp.errors import InputError


class ImagingInputError(InputError):
    """Base of every imaging I/O input error."""


class NotDicomError(ImagingInputError):
    """The file is not DICOM (no ``DICM`` marker, random bytes, empty file...)."""


class TruncatedFileError(ImagingInputError):
    """The file ends before its declared content does (header or pixel data cut short)."""


class NoPixelDataError(ImagingInputError):
    """A DICOM file without Pixel Data (structured report, presentation state, header-only...)."""


class BadPixelHeaderError(ImagingInputError):
    """Image Pixel module attributes are missing or impossible (Rows/Columns, BitsAllocated...)."""


class UnsupportedTransferSyntaxError(ImagingInputError):
    """No installed decoder handles the file's transfer syntax."""


class PixelDecodeError(ImagingInputError):
    """A decoder was found but failed on the pixel data (corrupt compressed stream)."""


class BadGeometryError(ImagingInputError):
    """ImageOrientationPatient/ImagePositionPatient missing or degenerate where a volume needs them."""


class InconsistentSeriesError(ImagingInputError):
    """Slices of one series cannot be stacked (mixed orientation, dimensions, duplicates...)."""


class BadNiftiError(ImagingInputError):
    """A NIfTI file with a broken header, truncated data or NaN voxels."""


class BadRasterError(ImagingInputError):
    """A PNG/JPEG radiograph that cannot be decoded (truncated, corrupt, wrong mode)."""


class EmptyImageError(ImagingInputError):
    """An image with zero pixels or no usable dynamic range where one is needed."""


class NoSeriesFoundError(ImagingInputError):
    """A folder holds no DICOM series that can be assembled into a volume."""
