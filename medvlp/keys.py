"""Keys and conventions of the sample dicts and model-output dicts shared by every layer.

Array conventions
-----------------
* 2D image: ``float32 [C, H, W]`` (C = 1 for radiographs), bright = dense (MONOCHROME1 inverted).
* 3D volume: MONAI channel-first ``float32 [C, X, Y, Z]`` in the array order of the NIfTI affine
  (RAS+ after canonicalisation), slices along the last axis; CT in Hounsfield units before
  intensity normalisation.
* Batched: ``[B, C, H, W]`` and ``[B, C, X, Y, Z]``. Slice masks ``bool [B, Z]`` (True = real slice).
* ``affine``: 4x4 float64 voxel-index -> world (mm) matrix in the NIfTI/RAS+ convention as nibabel uses.
* ``spacing``: voxel size in mm, same axis order as the array's spatial axes.
* Labels: ``float32 [K]`` with 1 positive, 0 negative, -1 uncertain and NaN not mentioned.
"""

from __future__ import annotations

# --- sample dict keys (data layer) -------------------------------------------------------------
KEY = "__key__"  # unique sample key (WebDataset convention)
IMAGE = "image"
IMAGE_MASK = "image_mask"  # bool [Z] real-slice mask for padded volumes
SEG_MASK = "seg_mask"  # uint8 [H, W] segmentation label mask (0 = background), evaluation datasets only
REPORT = "report"  # de-identified report text
SECTIONS = "sections"  # dict of section name -> text
SENTENCES = "sentences"  # list[str]
LABELS = "labels"
LABEL_NAMES = "label_names"
LABEL_SET = "label_set"  # name of the label set (medvlp.knowledge.findings), e.g. "chexpert"
LATERALITY = "laterality"
PATIENT = "patient_id"  # pseudonymous
STUDY = "study_id"  # pseudonymous
SERIES = "series_id"
MODALITY = "modality"
VIEW = "view_position"
SPACING = "spacing"
AFFINE = "affine"
SLICE_POSITIONS = "slice_positions"  # mm along the slice normal, one per slice
SPLIT = "split"
INPUT_IDS = "input_ids"
ATTENTION_MASK = "attention_mask"
LABEL_FEATURES = "label_features"  # [B, 3K] / [B, S, 3K]: what the labeler reads in each text (text input)
SWAP_NEGATIVES = "swap_negatives"  # list[str]: the report with two findings traded (training text only)
SWAP_INPUT_IDS = "swap_input_ids"  # [B * H, L] tokens of the swap negatives, H per report
SWAP_ATTENTION_MASK = "swap_attention_mask"  # [B * H, L]
SWAP_LABEL_FEATURES = "swap_label_features"  # [B * H, (S,) 3K] labeler vectors of the swap negatives
SWAP_MASK = "swap_mask"  # bool [B, H]: which of the H slots hold a real swap negative

# --- model output dict keys ---------------------------------------------------------------------
IMAGE_EMBEDS = "image_embeds"  # [B, D] projected, L2-normalised
TEXT_EMBEDS = "text_embeds"  # [B, D] projected, L2-normalised
IMAGE_TOKENS = "image_tokens"  # [B, N, D] projected local image features
IMAGE_TOKEN_MASK = "image_token_mask"  # bool [B, N] (False = padding token)
TEXT_TOKENS = "text_tokens"  # [B, L, D] projected local text features
TEXT_TOKEN_MASK = "text_token_mask"  # bool [B, L]
LOGIT_SCALE = "logit_scale"  # scalar, exp(learned log-scale), clamped
LOGIT_BIAS = "logit_bias"  # scalar (SigLIP)
SLICE_ATTENTION = "slice_attention"  # [B, Z] pooling weights over slices
ENTITY_EMBEDS = "entity_embeds"  # [K, D] knowledge-base finding embeddings
ENTITY_LOGITS = "entity_logits"  # [B, K] report-entity presence logits (knowledge fusion)
FINDING_PAIR_EMBEDS = "finding_pair_embeds"  # [K', 2, D] affirmed (0) / negated (1) finding text embeddings
FINDING_PAIR_INDEX = "finding_pair_index"  # long [K'] column of each pair's finding in LABELS
SWAP_EMBEDS = "swap_embeds"  # [B, H, D] L2-normalised embeddings of the swap negatives

# --- splits -------------------------------------------------------------------------------------
TRAIN, VALID, TEST = "train", "valid", "test"
SPLITS = (TRAIN, VALID, TEST)
