"""Which data files each chapter reads, recorded while it executes.

The build (evidence_review.build.sphinx) sets EVIDENCE_DEPS_FILE before a chapter's kernel starts;
every data or bibliography file the loader opens is then written there with its content hash.
On the next build, a chapter whose recorded files changed is executed again, and only then.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from evidence_review import package_sources

ENV_VAR = "EVIDENCE_DEPS_FILE"


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record(path: Path) -> None:
    """Note that the running chapter read this file (a no-op outside a book build)."""
    manifest = os.environ.get(ENV_VAR)
    if not manifest:
        return
    manifest_path = Path(manifest)
    if manifest_path.exists():
        seen = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        # The package's own code shapes every number and chart, so a chapter also depends on it.
        seen = {str(source): file_hash(source) for source in package_sources()}
    seen[str(Path(path).resolve())] = file_hash(path)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(seen, indent=1, sort_keys=True), encoding="utf-8")


def changed_files(recorded: dict[str, str]) -> list[str]:
    """Files whose content differs from (or that disappeared since) the recorded hashes."""
    changed = []
    for path, digest in recorded.items():
        p = Path(path)
        if not p.exists() or file_hash(p) != digest:
            changed.append(path)
    return changed
