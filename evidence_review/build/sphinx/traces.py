"""Glued numbers that show where they come from (see evidence_review.presentation.tracing).

The book's ``{glue:text}`` and ``{glue:md}`` roles are myst-nb's, extended: when the notebook glued
a trace beside the value (``<key>__trace``), the value is wrapped in a focusable span whose tooltip
lists the rows it was computed from. Values without a trace render exactly as before.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteTextRole
from myst_nb.ext.glue.utils import RetrievalError, retrieve_glue_data

from evidence_review import TRACE_SUFFIX  # not from presentation.tracing: that imports pandas, which a no-op build need not pay for


def _trace_html(role, key: str) -> str | None:
    if "::" in key:
        return None  # a value glued in another document: its trace stays there
    try:
        trace = retrieve_glue_data(role.document, key + TRACE_SUFFIX)
    except RetrievalError:
        return None
    return trace.data.get("text/html")


def _trace_id(document, trace: str) -> tuple[str, bool]:
    """The id of this trace on the page, and whether it is new: a trace used twice on a page
    (a pooled estimate in the key findings and in its section) is written once."""
    seen = document.__dict__.setdefault("_evidence_traces", {})
    if trace in seen:
        return seen[trace], False
    seen[trace] = f"trace-{len(seen) + 1}"
    return seen[trace], True


def _wrapped(value_nodes: list[nodes.Node], trace: str, document, marker: bool) -> list[nodes.Node]:
    trace_id, first = _trace_id(document, trace)
    # A repeated trace is referenced, and the page script moves the one box to where it is wanted.
    popup = f'<span class="trace" role="tooltip" id="{trace_id}">{trace}</span>' if first else ""
    attrs = f'class="traced{" traced-marker" if marker else ""}" tabindex="0" aria-describedby="{trace_id}"'
    if marker:  # a paragraph: the sources sit in a small marker after it, not over every word
        return [*value_nodes, nodes.raw("", f" <span {attrs}>sources{popup}</span>", format="html")]
    return [nodes.raw("", f"<span {attrs}>", format="html"), *value_nodes, nodes.raw("", f"{popup}</span>", format="html")]


class TracedTextRole(PasteTextRole):
    def run(self):
        result, messages = super().run()
        trace = _trace_html(self, self.text.rsplit(":", 1)[0] if self.text.count(":") == 1 else self.text)
        return (_wrapped(result, trace, self.document, marker=False) if trace and result else result), messages


class TracedMarkdownRole(PasteMarkdownRole):
    def run(self):
        result, messages = super().run()
        trace = _trace_html(self, self.text.rsplit(":", 1)[0] if self.text.count(":") == 1 else self.text)
        return (_wrapped(result, trace, self.document, marker=True) if trace and result else result), messages


def setup(app) -> None:
    app.setup_extension("myst_nb")
    app.add_role_to_domain("glue", "text", TracedTextRole(), override=True)
    app.add_role_to_domain("glue", "md", TracedMarkdownRole(), override=True)
