"""The docs stay true: extending.md's Python blocks run, configuration.md matches the config classes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_extending_snippets_run_in_order() -> None:
    blocks = python_blocks((DOCS / "extending.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5  # encoder, loss, dataset, task + running it
    script = "\n\n".join(blocks) + "\nprint('SNIPPETS OK')\n"
    # A fresh interpreter: the snippets register example members, which must not leak into other tests.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SNIPPETS OK" in done.stdout


def test_configuration_reference_is_up_to_date() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import gen_config_reference
    finally:
        sys.path.remove(str(DOCS))
    expected = gen_config_reference.render()
    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == expected, \
        "docs/configuration.md is stale: run python docs/gen_config_reference.py"
    assert "`data.image_size`" in expected and "`preprocess_3d.spacing`" in expected
    assert "`datasets[].root`" in expected and "`objective.<name>.weight`" in expected
