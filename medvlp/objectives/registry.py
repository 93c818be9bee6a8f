"""The ``LOSSES`` registry: every objective is one file registering itself here by name."""

from __future__ import annotations

from torch import nn

from medvlp.registry import Registry

LOSSES: Registry[nn.Module] = Registry("loss")
