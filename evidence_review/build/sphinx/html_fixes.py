"""Fixes to the HTML the theme writes: no sphinx-thebe scripts (a CDN and a console error),
an accessible bibliography container, and spoken names for the table of contents toggles."""

from __future__ import annotations


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


def setup(app) -> None:
    app.connect("html-page-context", _fix_citation_list_role)
    app.connect("html-page-context", _label_toctree_toggles, priority=900)  # after the theme adds the function
    app.connect("html-page-context", _drop_thebe)
