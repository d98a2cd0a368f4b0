"""Sphinx extension: ship the Vega runtime with the book, once, as a static file.

Altair's own HTML loads Vega from a public CDN on every page view; the book's charts instead
are drawn by ``_static/evidence-vega-<version>.js``, generated from the vl-convert package (no
network) and cached by the browser across pages. The file also carries the house style and the
code that draws each chart from the spec in its page (charts.runtime_script).
"""

from __future__ import annotations

from pathlib import Path

BUNDLE_PREFIX = "evidence-vega"


def _vega_lite_minor() -> str:
    import altair as alt  # imported here: a no-op rebuild should not pay for it

    return alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def _installed_version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def write_bundle(target_dir: Path) -> Path:
    """Write the bundle once per version of altair and vl-convert. The versions are in the file
    name, so an upgrade gives a new file: neither Sphinx's incremental copy nor a browser cache can
    serve a stale runtime."""
    import hashlib

    from .charts import runtime_script

    target_dir.mkdir(parents=True, exist_ok=True)
    # The house style and drawing code are part of the file, so a change to either renames it too.
    extra = runtime_script()
    version = (f"altair{_installed_version('altair')}-vlc{_installed_version('vl-convert-python')}-wrapped-"
               f"{hashlib.sha1(extra.encode()).hexdigest()[:8]}")
    path = target_dir / f"{BUNDLE_PREFIX}-{hashlib.sha1(version.encode()).hexdigest()[:8]}.js"
    if not path.exists():
        for old in target_dir.glob(f"{BUNDLE_PREFIX}-*.js"):
            old.unlink()
        import vl_convert

        # The bundle declares top-level constants (n, t, ...); wrapped in a function so they cannot
        # collide with other scripts on the page, which would stop the whole bundle from loading.
        bundle = vl_convert.javascript_bundle(vl_version=_vega_lite_minor())
        path.write_text("(function () {\n" + bundle + "\n})();\n" + extra, encoding="utf-8")
    return path


def _on_config_inited(app, config) -> None:
    static_dir = Path(app.doctreedir).parent / "vega_static"
    bundle = write_bundle(static_dir)
    config.html_static_path = list(config.html_static_path) + [str(static_dir)]
    app.add_js_file(bundle.name)
    # Files for reuse (the data package as a zip, effect sizes per question), copied to downloads/.
    from .downloads import DOWNLOADS, write_downloads

    extra = Path(app.doctreedir).parent / "evidence_downloads"
    write_downloads(extra / DOWNLOADS, root=Path(app.srcdir))  # the book being built, wherever the build runs from
    config.html_extra_path = list(config.html_extra_path) + [str(extra)]


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    """Jupyter Book always adds sphinx-thebe, which declares THEBE_JS_URL twice on every page (a
    console error) and points at a public CDN. The book has no live-code buttons, so its scripts
    are left out of every page."""
    def keep(script) -> bool:
        text = str(getattr(script, "filename", "") or "") + str(getattr(script, "attributes", {}).get("body", ""))
        return "thebe" not in text.lower()
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if keep(s)]
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"] if "thebe" not in str(getattr(c, "filename", c)).lower()]


def _fix_citation_list_role(app, pagename, templatename, context, doctree) -> None:
    """docutils marks the bibliography as role="list" but its entries as doc-biblioentry, which
    screen readers (and axe-core) treat as a broken list; the plain container is accessible."""
    body = context.get("body")
    if body:
        for marked in ('<div role="list" class="citation-list">', '<div class="citation-list" role="list">'):
            body = body.replace(marked, '<div class="citation-list">')
        context["body"] = body


def _label_toctree_toggles(app, pagename, templatename, context, doctree) -> None:
    """The theme folds a chapter's sub-pages (the trial pages under Clinical trials) behind a
    <summary> that holds only an icon, which screen readers announce as nothing (axe-core:
    summary-name). Each toggle gets a spoken name."""
    generate = context.get("generate_toctree_html")
    if not callable(generate):
        return

    def labelled(*args, **kwargs):
        html = str(generate(*args, **kwargs))
        return html.replace('<summary><span class="toctree-toggle"',
                            '<summary aria-label="Show or hide the pages of this chapter"><span class="toctree-toggle"')
    context["generate_toctree_html"] = labelled


def setup(app):
    app.connect("html-page-context", _fix_citation_list_role)
    app.connect("html-page-context", _label_toctree_toggles, priority=900)  # after the theme adds the function
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _drop_thebe)
    setup_data_aware_execution(app)
    setup_fast_noop(app)
    setup_parallel_execution(app)
    from .sphinx_traces import setup_traced_glue
    setup_traced_glue(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


# --- Data-aware execution -------------------------------------------------------------------
# Jupyter Book's cache (jupyter-cache, via myst-nb) keys a notebook on its code only, so a data
# edit would leave its outputs stale. Each chapter's kernel records the files it reads (see
# evidence_review.dependencies); a chapter whose recorded files changed is marked outdated and its
# cache record dropped, so it is executed again, and chapters that read nothing changed are not.

import json
import os

from .dependencies import ENV_VAR, changed_files


def _deps_dir(app) -> Path:
    return Path(app.doctreedir).parent / "evidence_deps"


def _manifest_path(app, docname: str) -> Path:
    """Where a chapter's kernel records the files it read during this build."""
    return _deps_dir(app) / f"{docname.replace('/', '__')}.json"


def _init_env(app) -> None:
    if not hasattr(app.env, "evidence_deps"):
        app.env.evidence_deps = {}
    if not hasattr(app.env, "evidence_preexecuted"):
        app.env.evidence_preexecuted = set()  # chapters executed in parallel during this build


def _notebook_path(app, docname: str) -> Path | None:
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
        notebook = _notebook_path(app, docname)
        if notebook and changed_files(recorded):
            _drop_cache_record(app, notebook)
            stale.append(docname)
    return stale


def _before_read(app, docname: str, source) -> None:
    """Point the chapter's kernel (started after this, during parsing) at its manifest."""
    if _notebook_path(app, docname) is None:
        return
    manifest = _manifest_path(app, docname)
    if docname in getattr(app.env, "evidence_preexecuted", set()):
        return  # already executed in parallel; its manifest is fresh
    if manifest.exists():
        manifest.unlink()
    os.environ[ENV_VAR] = str(manifest)


def _after_read(app, doctree) -> None:
    _init_env(app)
    docname = app.env.docname
    os.environ.pop(ENV_VAR, None)
    manifest = _manifest_path(app, docname)
    if _notebook_path(app, docname) is None or not manifest.exists():
        return  # not a notebook, or outputs came from the cache: keep what was recorded before
    app.env.evidence_deps[docname] = json.loads(manifest.read_text(encoding="utf-8"))
    with (_deps_dir(app) / "executions.log").open("a", encoding="utf-8") as log:
        log.write(docname + "\n")


def _merge_deps(app, env, docnames, other) -> None:
    _init_env(app)
    env.evidence_deps.update({d: v for d, v in getattr(other, "evidence_deps", {}).items() if d in docnames})


def setup_data_aware_execution(app) -> None:
    app.connect("builder-inited", _init_env)
    app.connect("env-get-outdated", _outdated_by_data)
    app.connect("source-read", _before_read)
    app.connect("doctree-read", _after_read)
    app.connect("env-merge-info", _merge_deps)


# --- Fast rebuilds ----------------------------------------------------------------------------
# sphinxcontrib-bibtex formats every bibliography entry again on every build (about 1.5 s for
# ~150 entries). Its results are kept in the pickled environment; when the bibliography files,
# the bibliography directives and every page's citations are the same as last time, the stored
# formatting is still exact, so it is reused instead of recomputed.

import hashlib as _hashlib


def _citation_signature(domain) -> str:
    parts = sorted(f"{key.docname}:{key.id_}:{[str(f) for f in value.bibfiles]}:{value.list_}:{value.keyprefix}:{sorted(value.citation_nodes)}"
                   for key, value in domain.bibliographies.items())
    parts += sorted(f"{ref.docname}:{ref.citation_ref_id}:{[(t.key, t.pre, t.post) for t in ref.targets]}"
                    for ref in domain.citation_refs)
    for bibfile in sorted(domain.bibdata.bibfiles):
        path = Path(bibfile)
        parts.append(f"{bibfile}:{_hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ''}")
    return _hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _patch_bibtex_formatting() -> None:
    from sphinxcontrib.bibtex import domain as bibtex_domain

    original = bibtex_domain.BibtexDomain.env_updated
    if getattr(original, "_evidence_patched", False):
        return

    def env_updated(self):
        signature = _citation_signature(self)
        if self.citations and getattr(self.env, "evidence_citation_signature", None) == signature:
            return []
        result = original(self)
        self.env.evidence_citation_signature = signature
        return result

    env_updated._evidence_patched = True
    bibtex_domain.BibtexDomain.env_updated = env_updated


def setup_fast_noop(app) -> None:
    _patch_bibtex_formatting()


# --- Parallel execution -------------------------------------------------------------------------
# myst-nb executes notebooks one after another while reading. Before reading starts, the chapters
# that will need executing (no cache record) are executed here on all cores and stored in the
# jupyter-cache, so myst-nb then finds them cached. Any failure is left to myst-nb, which executes
# that notebook again itself and reports the error as usual.

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
        path = _notebook_path(app, docname)
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
        manifest = _manifest_path(app, docname)
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


def setup_parallel_execution(app) -> None:
    app.connect("builder-inited", _reset_preexecuted)
    app.connect("env-before-read-docs", _pre_execute, priority=900)
