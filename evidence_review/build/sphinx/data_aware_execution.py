"""Jupyter Book's cache (jupyter-cache, via myst-nb) keys a notebook on its code only, so a data
edit would leave its outputs stale. Each chapter's kernel records the files it reads (see
evidence_review.data.dependencies); a chapter whose recorded files changed is marked outdated and its
cache record dropped, so it is executed again, and chapters that read nothing changed are not.
"""

from __future__ import annotations


import json
import os
from pathlib import Path

from evidence_review.data.dependencies import ENV_VAR, changed_files


def _deps_dir(app) -> Path:
    return Path(app.doctreedir).parent / "evidence_deps"


def manifest_path(app, docname: str) -> Path:
    """Where a chapter's kernel records the files it read during this build."""
    return _deps_dir(app) / f"{docname.replace('/', '__')}.json"


def _init_env(app) -> None:
    if not hasattr(app.env, "evidence_deps"):
        app.env.evidence_deps = {}
    if not hasattr(app.env, "evidence_preexecuted"):
        app.env.evidence_preexecuted = set()  # chapters executed in parallel during this build


def notebook_path(app, docname: str) -> Path | None:
    path = Path(app.srcdir) / f"{docname}.ipynb"
    return path if path.exists() else None


def _drop_cache_record(app, notebook: Path) -> None:
    import nbformat
    from jupyter_cache import get_cache

    cache_path = app.env.mystnb_config.execution_cache_path or str(Path(app.outdir).parent / ".jupyter_cache")
    if not Path(cache_path).exists():
        return
    cache = get_cache(cache_path)
    try:
        record = cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
    except KeyError:
        return
    cache.remove_cache(record.pk)


def _outdated_by_data(app, env, added, changed, removed) -> list[str]:
    _init_env(app)
    stale = []
    for docname, recorded in list(env.evidence_deps.items()):
        if docname in removed:
            env.evidence_deps.pop(docname, None)
            continue
        notebook = notebook_path(app, docname)
        if notebook and changed_files(recorded):
            _drop_cache_record(app, notebook)
            stale.append(docname)
    return stale


def _before_read(app, docname: str, source) -> None:
    """Point the chapter's kernel (started after this, during parsing) at its manifest."""
    if notebook_path(app, docname) is None:
        return
    manifest = manifest_path(app, docname)
    if docname in getattr(app.env, "evidence_preexecuted", set()):
        return  # already executed in parallel; its manifest is fresh
    if manifest.exists():
        manifest.unlink()
    os.environ[ENV_VAR] = str(manifest)


def _after_read(app, doctree) -> None:
    _init_env(app)
    docname = app.env.docname
    os.environ.pop(ENV_VAR, None)
    manifest = manifest_path(app, docname)
    if notebook_path(app, docname) is None or not manifest.exists():
        return  # not a notebook, or outputs came from the cache: keep what was recorded before
    app.env.evidence_deps[docname] = json.loads(manifest.read_text(encoding="utf-8"))
    with (_deps_dir(app) / "executions.log").open("a", encoding="utf-8") as log:
        log.write(docname + "\n")


def _merge_deps(app, env, docnames, other) -> None:
    _init_env(app)
    env.evidence_deps.update({d: v for d, v in getattr(other, "evidence_deps", {}).items() if d in docnames})


def setup(app) -> None:
    app.connect("builder-inited", _init_env)
    app.connect("env-get-outdated", _outdated_by_data)
    app.connect("source-read", _before_read)
    app.connect("doctree-read", _after_read)
    app.connect("env-merge-info", _merge_deps)
