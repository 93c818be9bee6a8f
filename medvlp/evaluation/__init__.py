"""Evaluation protocols: zero-shot, linear probe, fine-tune, segmentation, retrieval, metrics, bootstrap.

Imports stay lazy at package level so that ``medvlp.evaluation.metrics`` does not pull in torch.
"""
