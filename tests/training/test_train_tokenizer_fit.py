from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from train_fixtures import sample_members

from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.training.stream import PretrainStream
from medvlp.training.tokenizer_fit import fit_tokenizer


def test_tokenizer_learns_report_words_and_is_reused(shard_root: Path, tmp_path: Path) -> None:
    save = tmp_path / "run" / "tokenizer"
    tok = fit_tokenizer(shard_root, "train", vocab_size=300, save_dir=save)
    for word in ("effusion", "fracture", "nodule"):  # report words become whole tokens
        assert tok.tokenize(word) == [word]
    assert (save / "tokenizer.json").is_file()
    before = (save / "tokenizer.json").read_bytes()
    again = fit_tokenizer(shard_root, "nonexistent-split", vocab_size=50, save_dir=save)  # reused, not retrained
    assert again.get_vocab() == tok.get_vocab() and (save / "tokenizer.json").read_bytes() == before


def _mixed_shard(root: Path) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for i in range(8):
        members = sample_members(i, rng)
        meta = json.loads(members["json"])
        if i % 2:  # every other sample is a CT volume
            meta.update(modality="CT", spacing=[4.0, 4.0, 6.0])
            members["npy"] = npy_bytes(rng.integers(-1000, 1000, size=(8, 8, 4)).astype(np.int16))
        else:
            meta["spacing"] = [1.0, 1.0]
        members["json"] = json_bytes(meta)
        samples.append((f"k{i:03d}", members))
    write_tar(root / "shards" / "train-000000.tar", samples)


def _identity_transform(reader: int):
    return lambda sample, seed: sample


def test_stream_keeps_only_its_dimensionality(tmp_path: Path) -> None:
    _mixed_shard(tmp_path)
    shards = sorted((tmp_path / "shards").glob("*.tar"))
    for dims, expected in ((2, 2), (3, 3)):
        stream = PretrainStream(shards, _identity_transform, batch_size=2, dims=dims)
        it = iter(stream)
        seen = [next(it) for _ in range(8)]
        assert {s["image"].dim() - 1 for s in seen} == {expected}


def test_a_words_tokenizer_is_fitted_from_the_report_words(shard_root: Path, tmp_path: Path) -> None:
    tok = fit_tokenizer(shard_root, "train", vocab_size=300, save_dir=tmp_path / "tok", kind="words")
    for word in ("effusion", "fracture", "nodule"):
        assert tok.tokenize(word) == [word]
    assert tok.tokenize("zebra") == ["[UNK]"]
    assert not any(piece.startswith("##") for piece in tok.get_vocab())


def test_words_the_augmentation_writes_enter_the_vocabulary(shard_root: Path, tmp_path: Path) -> None:
    from medvlp.training.augment import augmentation_texts
    from medvlp.training.config import AugmentSection, DataSection

    without = fit_tokenizer(shard_root, "train", vocab_size=300, save_dir=tmp_path / "a", kind="words")
    assert without.tokenize("absence") == ["[UNK]"]  # not a word of the fixture reports
    data = DataSection(augment=AugmentSection(negation_swap=0.5))
    extra = augmentation_texts(data)
    assert "absence of" in extra and augmentation_texts(DataSection()) == []
    tok = fit_tokenizer(shard_root, "train", vocab_size=300, save_dir=tmp_path / "b", kind="words", extra_texts=extra)
    assert tok.tokenize("absence") == ["absence"]
