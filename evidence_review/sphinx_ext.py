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


def setup(app):
    app.connect("config-inited", _on_config_inited)
    app.add_js_file(BUNDLE_NAME)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
