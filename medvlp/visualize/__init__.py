"""The user's view: zero-shot scoring of single studies, similarity heatmaps and figures (Agg, PNG).

Bar charts with CIs and label-efficiency curves from benchmark records live in
``medvlp.benchmark.plots`` (reused, not duplicated here).
"""

from medvlp.visualize.figures import axial_display, save_figure
from medvlp.visualize.findings import UnknownFindingError, match_findings, split_findings
from medvlp.visualize.heatmap import similarity_map
from medvlp.visualize.overlays import radiograph_heatmap_figure, top_slices, volume_attention_figure
from medvlp.visualize.panels import roc_curves_figure, sample_reports_figure

__all__ = [
    "UnknownFindingError", "axial_display", "match_findings", "radiograph_heatmap_figure",
    "roc_curves_figure", "sample_reports_figure", "save_figure", "similarity_map", "split_findings",
    "top_slices", "volume_attention_figure",
]
