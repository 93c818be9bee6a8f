"""Cache keys: a keyed hash of the preprocessing config and each input's identity (mtime or content).

Mask files are inputs of their study (``task.paths``) and boxes are part of the unit description,
so a changed mask or annotation re-processes the study and resume stays exact.

The key is an HMAC with the pseudonym secret, so cache file names reveal nothing about the raw
identifiers that feed it, and a different secret (different pseudonyms) never reuses results.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from medvlp.ingest.tasks import StudyTask
from medvlp.utils.files import sha256_file


def file_identity(path: str, mode: str) -> str:
    if mode == "content":
        return sha256_file(path)
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"


def study_cache_key(task: StudyTask, fingerprint: str, secret: bytes, mode: str) -> str:
    """Stable for the same inputs, config and secret; changes if any input file changes."""
    description = {
        "fingerprint": fingerprint,
        "ref": task.ref,
        "patient": task.patient,
        "split": task.split,
        "labels": task.labels,
        "label_set": task.label_set,
        "report_text": task.report_text,
        "report_file": task.report_file,
        "units": [(u.kind, u.files, u.view_position, u.mask, u.boxes) for u in task.units],
        "skipped": sorted(task.skipped.items()),
        "files": {str(i): (task.rels[i], file_identity(p, mode)) for i, p in sorted(task.paths.items())},
    }
    payload = json.dumps(description, sort_keys=True, default=str).encode()
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()
