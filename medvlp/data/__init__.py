"""Data layer: synthetic dataset generator, manifests, splits, WebDataset shards, datasets, transforms."""
