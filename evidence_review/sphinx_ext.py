"""Sphinx extension: ship the Vega runtime with the book, once, as a static file.

Altair's own HTML loads Vega from a public CDN on every page view; the book's charts instead
call ``vegaEmbed`` from ``_static/evidence-vega.js``, generated from the vl-convert package (no
network) and cached by the browser across pages.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import vl_convert

BUNDLE_NAME = "evidence-vega.js"


def _vega_lite_minor() -> str:
    return alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def write_bundle(target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = target_dir / ".version"
    version = f"vl{_vega_lite_minor()}-vlc{vl_convert.__version__}-wrapped"
    path = target_dir / BUNDLE_NAME
    if not path.exists() or not stamp.exists() or stamp.read_text() != version:
        # The bundle declares top-level constants (n, t, ...); wrapped in a function so they cannot
        # collide with other scripts on the page, which would stop the whole bundle from loading.
        bundle = vl_convert.javascript_bundle(vl_version=_vega_lite_minor())
        path.write_text("(function () {\n" + bundle + "\n})();\n", encoding="utf-8")
        stamp.write_text(version)
    return path


def _on_config_inited(app, config) -> None:
    static_dir = Path(app.doctreedir).parent / "vega_static"
    write_bundle(static_dir)
    config.html_static_path = list(config.html_static_path) + [str(static_dir)]


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


def setup(app):
    app.connect("html-page-context", _fix_citation_list_role)
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _drop_thebe)
    app.add_js_file(BUNDLE_NAME)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
