"""House chart theme, the offline renderer, and chart builders.

Chart builders take tidy DataFrames and return ``alt.Chart`` objects; they do no I/O, so the same
chart works in any chapter and in tests. Every chart carries a title and a one-sentence
description, which the renderer exposes to screen readers and refuses to render without.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import Counter

import altair as alt
import pandas as pd

THEME_NAME = "evidence_review"
RENDERER_NAME = "evidence_book"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# Evidence strength always uses the same colours (and shapes where the chart allows).
EVIDENCE_COLORS = {"human": "#0072B2", "animal": "#E69F00", "in vitro": "#CC79A7", "theory": "#999999"}
FONT = "Source Sans Pro, Helvetica Neue, Arial, sans-serif"


@alt.theme.register(THEME_NAME, enable=False)
def house_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": 560, "continuousHeight": 320, "stroke": None},
            "title": {"fontSize": 16, "fontWeight": 600, "anchor": "start", "offset": 12, "subtitleFontSize": 12, "subtitleColor": "#555555"},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": 500, "gridColor": "#e6e6e6", "domainColor": "#666666", "tickColor": "#666666"},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom"},
            "range": {"category": PALETTE},
            "bar": {"color": PALETTE[0]},
            "point": {"color": PALETTE[0], "size": 60, "filled": True},
            "line": {"color": PALETTE[0], "strokeWidth": 2},
        }
    }


class ChartAccessibilityError(ValueError):
    """A chart without a title or description would be opaque to a screen-reader user."""


_ids_seen: Counter = Counter()


def _chart_text(spec: dict) -> tuple[str, str]:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(title)
    return (title or "").strip(), (spec.get("description") or "").strip()


def render_offline(spec: dict, **_metadata) -> dict:
    """Altair renderer: HTML that draws with the Vega runtime the book ships in its static files.

    The element id is a hash of the spec (plus a counter for repeats), so re-executing a
    notebook gives identical output and nbval can compare it byte for byte.
    """
    title, description = _chart_text(spec)
    if not title or not description:
        raise ChartAccessibilityError("every chart needs a title and a one-sentence description (use charts.finish)")
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:12]
    _ids_seen[digest] += 1
    element_id = f"chart-{digest}-{_ids_seen[digest]}"
    # "</" would end the script element early; escaping it keeps any text in the data inert.
    safe_payload = payload.replace("</", "<\\/")
    label = html.escape(f"{title}. {description}", quote=True)
    markup = (
        f'<div class="evidence-chart" role="figure" aria-label="{label}">'
        f'<div id="{element_id}" class="vega-chart"></div>'
        f'<p class="chart-description">{html.escape(description)}</p>'
        f"<script>(function(){{var spec={safe_payload};"
        f"function draw(){{var el=document.getElementById('{element_id}');"
        f"if(!window.vegaEmbed){{el.textContent='This chart needs the Vega runtime shipped with the book (_static/evidence-vega.js).';return;}}"
        f"vegaEmbed(el,spec,{{renderer:'svg',actions:false}}).catch(function(e){{console.error(e);el.textContent='Chart failed to draw: '+e;}});}}"
        f"if(document.readyState==='loading'){{document.addEventListener('DOMContentLoaded',draw);}}else{{draw();}}}})();</script>"
        f"</div>"
    )
    return {"text/html": markup, "text/plain": f"<Chart: {title}>"}


alt.renderers.register(RENDERER_NAME, render_offline)


def use_house_style() -> None:
    """Enable the theme and the offline renderer (called by every chapter's preamble)."""
    alt.theme.enable(THEME_NAME)
    alt.renderers.enable(RENDERER_NAME)


def finish(chart: alt.TopLevelMixin, title: str, description: str, subtitle: str | None = None) -> alt.TopLevelMixin:
    """Attach the title and the screen-reader description every chart must have."""
    if not title.strip() or not description.strip():
        raise ChartAccessibilityError("title and description must both be non-empty")
    title_params = alt.TitleParams(text=title, subtitle=subtitle) if subtitle else title
    return chart.properties(title=title_params, description=description)


def table_rows_chart(counts: pd.DataFrame) -> alt.Chart:
    """Horizontal bars: rows per evidence table, split into verified and unverified rows."""
    long = counts.assign(unverified_rows=counts["rows"] - counts["verified_rows"]).melt(
        id_vars="table", value_vars=["verified_rows", "unverified_rows"], var_name="status", value_name="n")
    long["status"] = long["status"].map({"verified_rows": "checked against source", "unverified_rows": "not yet checked"})
    chart = alt.Chart(long).mark_bar().encode(
        y=alt.Y("table:N", title=None, sort=alt.EncodingSortField("n", op="sum", order="descending")),
        x=alt.X("sum(n):Q", title="Rows"),
        color=alt.Color("status:N", title="Status", scale=alt.Scale(domain=["checked against source", "not yet checked"], range=[PALETTE[0], PALETTE[1]])),
        tooltip=[alt.Tooltip("table:N", title="Table"), alt.Tooltip("status:N", title="Status"), alt.Tooltip("sum(n):Q", title="Rows")],
    ).properties(height=alt.Step(22))
    return finish(chart, "Rows in each evidence table",
                  "Horizontal bars give the number of rows in each data table, split by whether the row's numbers were checked against the source text.")
