"""SIIM RLE codec and box rasterisation (preprocessing.masks)."""

from __future__ import annotations

import numpy as np
import pytest

from preprocessing.errors import AnnotationFormatError
from preprocessing.masks import boxes_to_mask, siim_rle_decode, siim_rle_encode, siim_rle_union

# Worked by hand from the challenge's definition: column-major pixel order, offsets counted from the
# end of the previous run. Column 0 = (0, 1, 0), column 1 = (1, 1, 0) -> flat 0 1 0 1 1 0 ->
# run at 1 (len 1), run at 3 (len 2) whose offset is 3 - 2 = 1.
HAND_MASK = np.array([[0, 1], [1, 1], [0, 0]], dtype=np.uint8)
HAND_RLE = "1 1 1 2"


def test_decode_matches_hand_worked_example() -> None:
    np.testing.assert_array_equal(siim_rle_decode(HAND_RLE, 3, 2), HAND_MASK)


def test_encode_matches_hand_worked_example() -> None:
    assert siim_rle_encode(HAND_MASK) == HAND_RLE


def test_round_trip_random_masks_including_edge_runs() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        height, width = rng.integers(1, 12, size=2)
        mask = (rng.random((height, width)) > 0.6).astype(np.uint8)
        mask[-1, -1] = 1  # a run touching the last pixel (the reference encoder drops it)
        decoded = siim_rle_decode(siim_rle_encode(mask), int(height), int(width))
        np.testing.assert_array_equal(decoded, mask)
        assert decoded.dtype == np.uint8 and decoded.shape == (height, width)


def test_no_mask_marker_gives_zeros_and_empty_mask_encodes_to_it() -> None:
    assert not siim_rle_decode("-1", 4, 5).any()
    assert siim_rle_decode(" -1", 4, 5).shape == (4, 5)
    assert siim_rle_encode(np.zeros((4, 5))) == "-1"


@pytest.mark.parametrize("rle", ["1 2 3", "a 2", "0 7", "-2 1"])
def test_bad_rle_is_a_typed_error(rle: str) -> None:
    with pytest.raises(AnnotationFormatError):
        siim_rle_decode(rle, 2, 3)


def test_union_of_region_rows() -> None:
    first = np.zeros((3, 2), dtype=np.uint8)
    first[0, 0] = 1
    second = np.zeros((3, 2), dtype=np.uint8)
    second[2, 1] = 1
    union = siim_rle_union([siim_rle_encode(first), siim_rle_encode(second)], 3, 2)
    np.testing.assert_array_equal(union, first | second)


def test_boxes_to_mask_covers_touched_pixels_and_clips() -> None:
    mask = boxes_to_mask(
        [[1.5, 0, 3, 2, "a"], [6, 4, 20, 20, "b"]], height=5, width=8, label_values={"a": 1, "b": 2}
    )
    expected = np.zeros((5, 8), dtype=np.uint8)
    expected[0:2, 1:3] = 1  # x 1.5..3 touches columns 1 and 2; y 0..2 rows 0 and 1
    expected[4:5, 6:8] = 2  # clipped at the image border
    np.testing.assert_array_equal(mask, expected)
    assert mask.dtype == np.uint8


def test_boxes_to_mask_default_value_and_bad_box() -> None:
    assert boxes_to_mask([[0, 0, 1, 1]], 2, 2).tolist() == [[1, 0], [0, 0]]
    with pytest.raises(AnnotationFormatError):
        boxes_to_mask([[3, 0, 1, 1, "x"]], 4, 4)
