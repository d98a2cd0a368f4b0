"""The book's Sphinx extension (named in _config.yml), one module per concern:

- ``chart_runtime``: ships the Vega runtime and house style as one static file (no CDN);
- ``reuse_files``: the data package zip, per-question effect sizes and the networks under downloads/;
- ``html_fixes``: accessibility and script fixes to the theme's HTML;
- ``data_aware_execution``: re-executes a chapter when a file it read changed, not only its code;
- ``bibliography_cache``: reuses sphinxcontrib-bibtex's formatting when no citation changed;
- ``parallel_execution``: executes the chapters that need it on all cores before reading;
- ``traces``: glued numbers that show the rows they come from.
"""

from __future__ import annotations

from evidence_review.build.sphinx import (bibliography_cache, chart_runtime, data_aware_execution, html_fixes,
                                          parallel_execution, reuse_files, traces)


def setup(app):
    chart_runtime.setup(app)
    reuse_files.setup(app)
    html_fixes.setup(app)
    data_aware_execution.setup(app)
    bibliography_cache.setup(app)
    parallel_execution.setup(app)
    traces.setup(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
