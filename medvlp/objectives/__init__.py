"""Pretraining objectives, one per file, registered by name in :data:`LOSSES`.

Every loss is an ``nn.Module`` called as ``loss(outputs, batch) -> {"loss": ..., <parts>}`` where
``outputs`` is the model's output dict (``medvlp.keys``) and ``batch`` the collated sample dict.
"""

from __future__ import annotations

from medvlp.objectives import (  # noqa: F401
    chunked,
    finding_pairs,
    infonce,
    knowledge,
    local_alignment,
    siglip,
    soft_targets,
    supervised,
    swap_negatives,
)
from medvlp.objectives.chunked import ChunkedInfoNCELoss, chunked_infonce
from medvlp.objectives.combined import CombinedObjective
from medvlp.objectives.distributed import gather_with_grad, world_info
from medvlp.objectives.finding_pairs import FindingPairLoss
from medvlp.objectives.infonce import InfoNCELoss
from medvlp.objectives.knowledge import KnowledgeAlignmentLoss
from medvlp.objectives.local_alignment import LocalAlignmentLoss
from medvlp.objectives.registry import LOSSES
from medvlp.objectives.siglip import SigLIPLoss
from medvlp.objectives.soft_targets import SoftTargetLoss
from medvlp.objectives.supervised import SupervisedBCELoss
from medvlp.objectives.swap_negatives import SwapNegativeLoss

__all__ = [
    "LOSSES",
    "ChunkedInfoNCELoss",
    "CombinedObjective",
    "FindingPairLoss",
    "InfoNCELoss",
    "KnowledgeAlignmentLoss",
    "LocalAlignmentLoss",
    "SigLIPLoss",
    "SoftTargetLoss",
    "SupervisedBCELoss",
    "SwapNegativeLoss",
    "chunked_infonce",
    "gather_with_grad",
    "world_info",
]
