"""The embedded synthetic dataset: radiographs (DICOM), CT (DICOM series and NIfTI), reports with
planted PHI, and ground truth, generated deterministically from a seed.

>>> from medvlp.data.synthetic import generate
>>> summary = generate("out/synth", n_cxr=40, n_ct=6, seed=0)  # doctest: +SKIP
"""

from medvlp.data.synthetic.generate import SynthSummary, generate, plan_tasks

__all__ = ["SynthSummary", "generate", "plan_tasks"]
