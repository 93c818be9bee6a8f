"""PNG/JPEG radiographs through Pillow, 8- or 16-bit grey, with typed errors on broken files."""

from __future__ import annotations

import numpy as np
from PIL import Image, UnidentifiedImageError

from medvlp.io.dicom_file import PathLike
from medvlp.io.errors import BadRasterError, EmptyImageError


def read_raster(path: PathLike) -> tuple[np.ndarray, int]:
    """Grey pixels ``[H, W]`` (uint8 or uint16, colour converted to luminance) and their bit depth.

    Truncated or corrupt files raise ``BadRasterError``; Pillow's ``LOAD_TRUNCATED_IMAGES`` is left
    off so a cut file never becomes a partly grey image.
    """
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(img)
                bits = 16
                if arr.dtype != np.uint16:  # mode "I" is int32 holding 16-bit PNG values
                    if arr.min() < 0 or arr.max() > 65535:
                        raise BadRasterError(path, f"mode {mode} values outside 16-bit range")
                    arr = arr.astype(np.uint16)
            else:
                arr = np.asarray(img.convert("L") if mode != "L" else img)
                bits = 8
    except FileNotFoundError as exc:
        raise BadRasterError(path, "file does not exist") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadRasterError(path, f"cannot decode image ({exc})") from exc
    if arr.size == 0:
        raise EmptyImageError(path, "image has no pixels")
    return arr, bits
