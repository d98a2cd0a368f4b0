"""Ship the Vega runtime with the book, once, as a static file.

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
    """Write the bundle once per version of altair, vl-convert and the chart code. The versions and
    a hash of presentation/charts.py (which holds the house style and the drawing code) are in the
    file name, so an upgrade or a style change gives a new file: neither Sphinx's incremental copy
    nor a browser cache can serve a stale runtime. Naming it needs no import of altair, so a
    rebuild with nothing changed does not pay for one."""
    import hashlib

    from evidence_review import PACKAGE_DIR

    target_dir.mkdir(parents=True, exist_ok=True)
    chart_code = (PACKAGE_DIR / "presentation" / "charts.py").read_bytes()
    version = (f"altair{_installed_version('altair')}-vlc{_installed_version('vl-convert-python')}-wrapped-"
               f"{hashlib.sha1(chart_code).hexdigest()[:8]}")
    path = target_dir / f"{BUNDLE_PREFIX}-{hashlib.sha1(version.encode()).hexdigest()[:8]}.js"
    if not path.exists():
        for old in target_dir.glob(f"{BUNDLE_PREFIX}-*.js"):
            old.unlink()
        import vl_convert

        from evidence_review.presentation.charts import runtime_script

        # The bundle declares top-level constants (n, t, ...); wrapped in a function so they cannot
        # collide with other scripts on the page, which would stop the whole bundle from loading.
        bundle = vl_convert.javascript_bundle(vl_version=_vega_lite_minor())
        path.write_text("(function () {\n" + bundle + "\n})();\n" + runtime_script(), encoding="utf-8")
    return path


def _add_bundle(app, config) -> None:
    static_dir = Path(app.doctreedir).parent / "vega_static"
    bundle = write_bundle(static_dir)
    config.html_static_path = list(config.html_static_path) + [str(static_dir)]
    app.add_js_file(bundle.name)
    app.evidence_bundle = bundle.name  # read when the build finishes


def _remove_stale_bundles(app, exception) -> None:
    """Sphinx copies static files into the output but never removes one, so each earlier runtime
    stayed in _build/html/_static (about 0.9 MB each) after the chart code changed."""
    current = getattr(app, "evidence_bundle", None)
    if exception is not None or current is None or app.builder.format != "html":
        return
    for old in (Path(app.outdir) / "_static").glob(f"{BUNDLE_PREFIX}-*.js"):
        if old.name != current:
            old.unlink()


def setup(app) -> None:
    app.connect("config-inited", _add_bundle)
    app.connect("build-finished", _remove_stale_bundles)
