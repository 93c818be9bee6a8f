"""medvlp: medical vision-language pretraining.

Data flow (lower layers never import higher ones)::

    io -> text / knowledge -> ingest + data -> models -> objectives -> training
       -> evaluation -> benchmark -> cli

Core modules usable from every layer: :mod:`medvlp.keys`, :mod:`medvlp.registry`,
:mod:`medvlp.errors`, :mod:`medvlp.config`, :mod:`medvlp.utils`.
"""

__version__ = "0.1.0"
