"""myst-nb executes notebooks one after another while reading. Before reading starts, the chapters
that will need executing (no cache record) are executed here on all cores and stored in the
jupyter-cache, so myst-nb then finds them cached. Any failure is left to myst-nb, which executes
that notebook again itself and reports the error as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

from evidence_review.data.dependencies import ENV_VAR
from evidence_review.build.sphinx.data_aware_execution import manifest_path, notebook_path

def _pre_execute(app, env, docnames) -> None:
    if env.mystnb_config.execution_mode != "cache":
        return
    import time
    from concurrent.futures import ThreadPoolExecutor

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from nbclient import NotebookClient

    cache_path = env.mystnb_config.execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")
    cache = get_cache(cache_path)
    todo = []
    for docname in docnames:
        path = notebook_path(app, docname)
        if path is None:
            continue
        notebook = nbformat.read(path, as_version=4)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo.append((docname, path, notebook))
    if len(todo) < 2:
        return

    def execute(item):
        docname, path, notebook = item
        manifest = manifest_path(app, docname)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        if manifest.exists():
            manifest.unlink()
        kernelspec = notebook.metadata.get("kernelspec")
        client = NotebookClient(notebook, timeout=env.mystnb_config.execution_timeout, allow_errors=False, record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            client.execute(cwd=str(path.parent), env={**os.environ, ENV_VAR: str(manifest)})
        except Exception:  # noqa: BLE001 - myst-nb re-executes and reports it
            return None
        # The cache key is computed from the source notebook (code, cell metadata, kernelspec): keep them.
        if kernelspec is not None:
            notebook.metadata["kernelspec"] = kernelspec
        return docname, path, notebook, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        done = [r for r in pool.map(execute, todo) if r]
    for docname, path, notebook, seconds in done:
        cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}),
                                    check_validity=False, overwrite=True)
        env.evidence_preexecuted.add(docname)


def _reset_preexecuted(app) -> None:
    app.env.evidence_preexecuted = set()


def setup(app) -> None:
    app.connect("builder-inited", _reset_preexecuted)
    app.connect("env-before-read-docs", _pre_execute, priority=900)
