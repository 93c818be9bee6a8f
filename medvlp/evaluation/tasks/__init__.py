"""Registered evaluation tasks (``TASKS``); importing this package registers the built-in ones.

Tasks living elsewhere in :mod:`medvlp.evaluation` register themselves from a ``task`` module in
their sub-package (e.g. ``medvlp.evaluation.report_generation.task``). :func:`get_task_class`
imports those plugins on first demand, so a suite can name them without every import paying for them.
"""

import importlib
import importlib.util
from typing import cast

from medvlp.evaluation.tasks import classification, retrieval, segmentation  # noqa: F401  (registration)
from medvlp.evaluation.tasks.base import TASKS, Task, TaskContext, TaskOutput

PLUGIN_TASK_MODULES = ("medvlp.evaluation.report_generation.task",)


def load_plugin_tasks() -> None:
    """Import the plugin task modules that exist in this installation (they self-register)."""
    for module in PLUGIN_TASK_MODULES:
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) is not None:
            importlib.import_module(module)


def get_task_class(name: str) -> type[Task]:
    """The task class registered under ``name``, loading plugin tasks if it is not built in."""
    if name not in TASKS:
        load_plugin_tasks()
    return cast(type[Task], TASKS.get(name))


__all__ = ["TASKS", "Task", "TaskContext", "TaskOutput", "get_task_class", "load_plugin_tasks"]
