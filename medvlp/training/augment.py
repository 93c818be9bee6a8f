"""Training/evaluation pipelines for images (MONAI dictionary transforms) and report text.

Image augmentation: random resized crop, small rotation, intensity jitter. No horizontal flip:
chest anatomy is lateralised (heart on the left, labels carry left/right laterality), so a flipped
radiograph would no longer match its report. Text augmentation: sentence shuffling / sub-sampling
(findings sentences are largely order-independent) and knowledge-base synonym substitution
(:mod:`medvlp.knowledge.synonym_swap`), negation-cue swap (:mod:`medvlp.knowledge.cue_swap`) and nonce-word
insertion (:mod:`medvlp.knowledge.nonce_words`); optionally finding-swap hard negatives
(:mod:`medvlp.knowledge.finding_swap`), augmented like the report itself. Every random draw comes from a
per-sample seed, so a resumed
run augments each sample exactly as the uninterrupted run did.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from monai.transforms import Compose, EnsureTyped, RandRotated, RandScaleCropd, Resized

from medvlp import keys
from medvlp.data.transforms import HUWindowd, IntensityJitterd, RandResizedCropd, SliceSampled
from medvlp.knowledge.cue_swap import CueSwapper, swap_vocabulary
from medvlp.knowledge.finding_swap import FindingSwapper, SentenceBank
from medvlp.knowledge.nonce_words import NonceInserter
from medvlp.knowledge.synonym_swap import SynonymSwapper
from medvlp.training.config import DataSection

IMAGE_KEYS = (keys.IMAGE,)


def image_pipeline(cfg: DataSection, train: bool) -> Compose:
    """Sample dict -> sample dict with ``keys.IMAGE`` float32 ``[1, H, W]`` or ``[1, X, Y, n_slices]``."""
    aug = cfg.augment
    use_aug = train and aug.enabled
    radians = math.radians(aug.rotate_degrees)
    steps: list[Any] = []
    if cfg.dims == 2:
        size = (int(cfg.image_size[0]), int(cfg.image_size[1]))
        if use_aug:
            steps.append(RandResizedCropd(size, IMAGE_KEYS, scale=(aug.crop_scale[0], aug.crop_scale[1])))
            if aug.rotate_degrees > 0:
                steps.append(RandRotated(IMAGE_KEYS, range_x=radians, prob=0.5, padding_mode="zeros", keep_size=True))
        else:
            steps.append(Resized(IMAGE_KEYS, spatial_size=size, mode="bilinear"))
    else:
        in_plane = tuple(cfg.image_size)
        steps.append(HUWindowd(IMAGE_KEYS, center=cfg.hu_center, width=cfg.hu_width))
        steps.append(SliceSampled(cfg.n_slices, mode=aug.slice_sampling if use_aug else "uniform"))
        if use_aug and aug.crop_scale[0] < 1.0:
            side = math.sqrt(aug.crop_scale[0])  # area fraction -> side fraction, in-plane only
            steps.append(RandScaleCropd(IMAGE_KEYS, roi_scale=(side, side, 1.0), max_roi_scale=(1.0, 1.0, 1.0),
                                        random_size=True))
        steps.append(Resized(IMAGE_KEYS, spatial_size=(*in_plane, -1), mode="trilinear"))
        if use_aug and aug.rotate_degrees > 0:  # in-plane rotation (about the slice axis); 0: no 3D resample
            steps.append(RandRotated(IMAGE_KEYS, range_z=radians, prob=0.5, padding_mode="zeros", keep_size=True))
    if use_aug:
        steps.append(IntensityJitterd(IMAGE_KEYS, brightness=aug.brightness, contrast=aug.contrast))
    steps.append(EnsureTyped(IMAGE_KEYS, track_meta=False))
    return Compose(steps)


def augment_report(sample: dict[str, Any], rng: np.random.Generator, shuffle: bool,
                   max_sentences: int | None) -> str:
    """Report text with its sentences shuffled and/or sub-sampled; the text itself when unsplit."""
    sentences = report_sentences(sample)
    if not sentences or (not shuffle and max_sentences is None):
        return sample[keys.REPORT]
    return arrange_sentences(sentences, rng, shuffle, max_sentences)


def report_sentences(sample: dict[str, Any]) -> list[str]:
    """The sample's non-blank report sentences (ingest's split)."""
    return [s for s in (sample.get(keys.SENTENCES) or []) if s.strip()]


def arrange_sentences(sentences: list[str], rng: np.random.Generator, shuffle: bool,
                      max_sentences: int | None) -> str:
    """Sentences shuffled and/or sub-sampled, joined into one text."""
    order = rng.permutation(len(sentences)) if shuffle else np.arange(len(sentences))
    if max_sentences is not None:
        order = order[:max_sentences] if shuffle else np.sort(rng.permutation(len(sentences))[:max_sentences])
    return " ".join(sentences[i] for i in order)


def augmentation_texts(cfg: DataSection) -> list[str]:
    """Phrases the enabled text augmentations can write that the reports may lack (for the tokenizer)."""
    return swap_vocabulary() if cfg.augment.negation_swap > 0 else []


class SampleAugmenter:
    """Image pipeline + text augmentation for one sample, seeded per sample (``__call__(sample, seed)``)."""

    def __init__(self, cfg: DataSection, train: bool, sentence_bank: SentenceBank | None = None) -> None:
        self.cfg, self.train = cfg, train
        self.pipeline = image_pipeline(cfg, train)
        self.swapper = SynonymSwapper() if train and cfg.augment.synonym_swap > 0 else None
        self.nonce = NonceInserter() if train and cfg.augment.nonce_words > 0 else None
        self.cue_swapper = CueSwapper() if train and cfg.augment.negation_swap > 0 else None
        self.finding_swapper = None
        if train and cfg.augment.finding_swaps > 0:
            if sentence_bank is None:
                raise ValueError("data.augment.finding_swaps needs the run's sentence bank")
            self.finding_swapper = FindingSwapper(sentence_bank)

    def _words(self, text: str, rng: np.random.Generator) -> str:
        """The word-level text augmentations (synonyms, negation cues, nonce words), in that order."""
        aug = self.cfg.augment
        if self.swapper is not None:
            text = self.swapper.swap(text, rng, aug.synonym_swap)
        if self.cue_swapper is not None:
            text = self.cue_swapper.swap(text, rng, aug.negation_swap)
        if self.nonce is not None:
            text = self.nonce.insert(text, rng, aug.nonce_words)
        return text

    def __call__(self, sample: dict[str, Any], seed: int = 0) -> dict[str, Any]:
        self.pipeline.set_random_state(seed=seed)
        out = dict(self.pipeline(sample))
        if self.train and self.cfg.augment.enabled:
            aug = self.cfg.augment
            rng = np.random.default_rng(seed)
            out[keys.REPORT] = self._words(augment_report(out, rng, aug.shuffle_sentences, aug.max_sentences), rng)
            if self.finding_swapper is not None:
                # a separate stream: switching the swaps on leaves the report's own augmentation unchanged
                swap_rng = np.random.default_rng([seed, 1])
                sentences = report_sentences(out)
                label_set = out.get(keys.LABEL_SET)  # every decoded shard sample has one; without it: no swaps
                swaps = [] if not label_set else self.finding_swapper.swaps(str(label_set), sentences, swap_rng,
                                                                            aug.finding_swaps)
                out[keys.SWAP_NEGATIVES] = [
                    self._words(arrange_sentences(list(s.sentences), swap_rng, aug.shuffle_sentences,
                                                  aug.max_sentences), swap_rng) for s in swaps]
        return out


class TrainAugmenterFactory:
    """Picklable ``reader -> SampleAugmenter`` (one pipeline instance per DataLoader worker)."""

    def __init__(self, cfg: DataSection, sentence_bank: SentenceBank | None = None) -> None:
        self.cfg, self.sentence_bank = cfg, sentence_bank

    def __call__(self, reader: int) -> SampleAugmenter:
        return SampleAugmenter(self.cfg, train=True, sentence_bank=self.sentence_bank)
