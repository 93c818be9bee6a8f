"""Map a dataset's own classes onto a medvlp label set, keeping the rest as ``x_`` columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from preprocessing.common import Row, extra_column


def column_for(dataset_class: str, mapping: Mapping[str, str]) -> str:
    """Manifest column of a dataset class: its medvlp label, else ``x_<class>``."""
    return mapping.get(dataset_class, extra_column(dataset_class))


def class_labels(
    present: Iterable[str], classes: Sequence[str], mapping: Mapping[str, str], exhaustive: bool = True
) -> Row:
    """Image-level labels from the set of dataset classes ``present`` on one image.

    ``classes`` is every class the dataset annotates; with ``exhaustive`` (the annotators rated every
    class) an absent class is a negative (0), otherwise it is left unstated. A medvlp label fed by
    several classes (NIH Mass + Nodule -> Lung Lesion) is positive if any of them is, and those
    classes also keep their own ``x_`` columns so nothing is lost. Labels no class maps to stay unset.
    """
    seen = set(present)
    merged = {label for label, n in Counter(mapping[c] for c in classes if c in mapping).items() if n > 1}
    row: Row = {}
    for name in classes:
        value = 1.0 if name in seen else (0.0 if exhaustive else None)
        target = mapping.get(name)
        if target is None or target in merged:
            row[extra_column(name)] = value
        if target is not None:
            stated = [float(v) for v in (row.get(target), value) if v is not None]  # type: ignore[arg-type]
            row[target] = max(stated) if stated else None
    return row
