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

import numpy as np
import altair as alt
import pandas as pd

from evidence_review.presentation.table_view import cite_text

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


def house_config() -> dict:
    """The house style, shipped once in the chart runtime (sphinx_ext) instead of in every chart."""
    return house_theme()["config"]


def _without_house_config(spec: dict) -> dict:
    """The spec without the parts of its config that repeat the house style (the runtime applies
    them); a chart's own settings stay, and override the house style as usual."""
    config = {key: value for key, value in spec.get("config", {}).items() if house_config().get(key) != value}
    # The description is the figure's accessible label and its visible caption already.
    spec = {key: value for key, value in spec.items() if key not in {"config", "$schema", "description"}}
    return {**spec, "config": config} if config else spec


# Drawn by the page script in the runtime (_static/evidence-vega-*.js): it finds each spec by its class.
DRAW_SCRIPT = """
(function () {
  "use strict";
  // A chart that would be shrunk past reading on a narrow screen may carry a narrow layout in
  // usermeta.narrow (e.g. a forest plot without its arm and weight columns): keep some of its
  // side-by-side parts, resize them, hide the text of some, and use shorter title lines.
  function narrowed(spec, width) {
    var n = spec.usermeta && spec.usermeta.narrow;
    if (!n || !spec.hconcat || width >= n.below) { return spec; }
    spec.hconcat = n.keep.map(function (i, j) {
      var part = spec.hconcat[i];
      part.width = n.widths[j];
      if (n.hide_text.indexOf(i) >= 0) { part.encoding.text = {value: ""}; part.title = ""; }
      var axis = part.encoding && part.encoding.y && part.encoding.y.axis;
      if (axis && n.label_limit) { axis.labelLimit = n.label_limit; }
      return part;
    });
    if (spec.title && n.title) { spec.title.text = n.title; if (n.subtitle) { spec.title.subtitle = n.subtitle; } }
    // A long axis title under a narrow plot would widen the figure: set it on two lines.
    (function retitle(node) {
      Object.keys(node).forEach(function (key) {
        if (key === "title" && node[key] === n.axis_title) { node[key] = n.axis_lines; }
        else if (node[key] && typeof node[key] === "object") { retitle(node[key]); }
      });
    })(spec.hconcat);
    return spec;
  }
  function drawAll() {
    document.querySelectorAll("script.vega-spec").forEach(function (source) {
      var el = document.getElementById(source.getAttribute("data-chart"));
      if (!el || el.getAttribute("data-drawn")) { return; }
      el.setAttribute("data-drawn", "1");
      var spec = narrowed(JSON.parse(source.textContent), el.clientWidth || window.innerWidth);
      vegaEmbed(el, spec, {renderer: "svg", actions: false, config: window.evidenceHouseConfig})
        .catch(function (e) { console.error(e); el.textContent = "Chart failed to draw: " + e; });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
"""


def runtime_script() -> str:
    """What the shared runtime adds after Vega itself: the house style and the drawing code."""
    return f"window.evidenceHouseConfig = {json.dumps(house_config(), sort_keys=True)};\n{DRAW_SCRIPT}"


def render_offline(spec: dict, **_metadata) -> dict:
    """Altair renderer: the chart's spec as JSON data in the page, drawn by the Vega runtime the
    book ships in its static files (with the house style, so each chart need not carry it).

    The element id is a hash of the spec (plus a counter for repeats), so re-executing a
    notebook gives identical output and nbval can compare it byte for byte.
    """
    title, description = _chart_text(spec)
    if not title or not description:
        raise ChartAccessibilityError("every chart needs a title and a one-sentence description (use charts.finish)")
    payload = json.dumps(_without_house_config(spec), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:12]
    _ids_seen[digest] += 1
    element_id = f"chart-{digest}-{_ids_seen[digest]}"
    # "</" would end the script element early; escaping it keeps any text in the data inert.
    safe_payload = payload.replace("</", "<\\/")
    label = html.escape(f"{title}. {description}", quote=True)
    markup = (
        f'<div class="evidence-chart" role="figure" aria-label="{label}">'
        f'<div id="{element_id}" class="vega-chart" tabindex="0">'
        f"This chart needs the Vega runtime that ships with the book (_static/evidence-vega-*.js).</div>"
        f'<p class="chart-description">{html.escape(description)}</p>'
        f'<script type="application/json" class="vega-spec" data-chart="{element_id}">{safe_payload}</script>'
        f"</div>"
    )
    return {"text/html": markup, "text/plain": f"<Chart: {title}>"}


alt.renderers.register(RENDERER_NAME, render_offline)


def use_house_style() -> None:
    """Enable the theme and the offline renderer (called by every chapter's preamble)."""
    alt.theme.enable(THEME_NAME)
    alt.renderers.enable(RENDERER_NAME)


def finish(chart: alt.TopLevelMixin, title: str | list[str], description: str, subtitle: str | None = None,
           title_params: alt.TitleParams | None = None) -> alt.TopLevelMixin:
    """Attach the title (a string, or lines of a long title) and the screen-reader description
    every chart must have."""
    if not " ".join([title] if isinstance(title, str) else title).strip() or not description.strip():
        raise ChartAccessibilityError("title and description must both be non-empty")
    if title_params is None:
        title_params = alt.TitleParams(text=title, subtitle=subtitle) if subtitle else alt.TitleParams(text=title) if isinstance(title, list) else title
    return chart.properties(title=title_params, description=description)


LEVEL_ORDER = ["primary", "secondary", "derived", "press", "unverified"]
LEVEL_COLORS = ["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#999999"]
LEVEL_SYMBOLS = ["P", "S", "D", "R", "U"]


def evidence_level_chart(counts: pd.DataFrame) -> alt.LayerChart:
    """Lettered stacked bars: rows per table by evidence level (tables whose rows carry one)."""
    graded = counts.dropna(subset=["primary"])
    long = graded.melt(id_vars="table", value_vars=LEVEL_ORDER, var_name="level", value_name="n")
    long = long[long["n"] > 0].assign(table=lambda d: d["table"].str.replace("_", " "))
    return labelled_stacked_bars(long, "table", "level", LEVEL_ORDER, LEVEL_COLORS, LEVEL_SYMBOLS, "Rows",
                                 "Where each table's numbers were read",
                                 "Stacked horizontal bars give, for each data table, how many rows were read in the trial's own report "
                                 "(P, primary), second-hand (S, secondary), computed from other numbers (D, derived), in press reports "
                                 "(R) or not seen in any source (U, unverified).", "Evidence level")


FOREST_PLOT_WIDTH = 160  # pixels of the effect axis; the text columns take the rest of the ~650 px column


def _diamond_path(estimate: float, lower: float, upper: float, domain: tuple[float, float], log_scale: bool, half_height: float = 6.0) -> str:
    """SVG path of the pooled diamond, in pixels around the estimate, spanning the confidence
    interval on the plot's fixed x domain (a symbol of size 1 is drawn in pixel units)."""
    f = np.log10 if log_scale else (lambda v: v)
    span = f(domain[1]) - f(domain[0])
    to_px = lambda v: (f(v) - f(estimate)) / span * FOREST_PLOT_WIDTH
    return f"M {to_px(lower):.2f} 0 L 0 {-half_height} L {to_px(upper):.2f} 0 L 0 {half_height} Z"


NARROW_BELOW = 560  # px: below this container width a chart with a narrow layout uses it


def forest_chart(rows: pd.DataFrame, title: str, description: str, effect_label: str, null_value: float, log_scale: bool,
                 heterogeneity: str | None = None) -> alt.HConcatChart:
    """Forest plot in the standard layout: study labels with per-arm numbers as text columns on the
    left, squares sized by weight with 95% CIs, the pooled diamond spanning its CI with the
    prediction interval as a dashed line, and the estimate [95% CI] and weight as text on the right;
    the heterogeneity statistics and the test for overall effect are the subtitle.

    ``rows`` comes from trials.forest_table."""
    lows = [rows["ci_lower"].min(), null_value] + ([rows["pi_lower"].min()] if "pi_lower" in rows and rows["pi_lower"].notna().any() else [])
    highs = [rows["ci_upper"].max(), null_value] + ([rows["pi_upper"].max()] if "pi_upper" in rows and rows["pi_upper"].notna().any() else [])
    lo, hi = float(np.nanmin(lows)), float(np.nanmax(highs))
    if log_scale:
        domain = (lo / 1.15, hi * 1.15)
    else:
        pad = 0.05 * (hi - lo or 1.0)
        domain = (lo - pad, hi + pad)
    digits = 1 if not log_scale and rows["estimate"].abs().max() >= 1 else 2
    fmt = lambda v: f"{v:.{digits}f}".replace("-", "−")
    data = rows.assign(order=range(len(rows)), weight_text=rows["weight"].map(lambda w: f"{w:.1f}%" if pd.notna(w) else ""),
                       effect_text=[f"{fmt(e)} [{fmt(lo)}, {fmt(hi)}]" for e, lo, hi in zip(rows["estimate"], rows["ci_lower"], rows["ci_upper"])],
                       arm_t=rows.get("arm_t", pd.Series([""] * len(rows))).fillna(""),
                       arm_c=rows.get("arm_c", pd.Series([""] * len(rows))).fillna(""))
    data["diamond"] = [_diamond_path(e, lo, hi, domain, log_scale) if k == "pooled" else ""
                       for k, e, lo, hi in zip(data["kind"], data["estimate"], data["ci_lower"], data["ci_upper"])]
    # Subgroup headings carry no numbers; their labels are set in bold (below).
    data.loc[data["kind"] == "header", ["effect_text", "weight_text"]] = ""
    keep = ["label", "kind", "order", "estimate", "ci_lower", "ci_upper", "weight", "weight_text", "effect_text", "arm_t", "arm_c",
            "n", "source", "contrast", "evidence", "pi_lower", "pi_upper", "diamond"]
    data = data[[c for c in keep if c in data]]
    scale = alt.Scale(type="log" if log_scale else "linear", domain=list(domain), nice=False, zero=False, clamp=True)
    headers = rows.loc[rows["kind"] == "header", "label"].tolist()
    bold = {"labelFontWeight": alt.ExprRef(f"indexof({json.dumps(headers)}, datum.value) >= 0 ? 'bold' : 'normal'")} if headers else {}
    y = alt.Y("label:N", sort=alt.EncodingSortField("order", order="ascending"), title=None,
              axis=alt.Axis(labelLimit=150, domain=False, ticks=False, labelFontSize=10, labelPadding=8, **bold))
    no_axis = alt.Y("label:N", sort=alt.EncodingSortField("order", order="ascending"), title=None, axis=None)
    tooltip = [alt.Tooltip("label:N", title="Study"), alt.Tooltip("n:Q", title="Participants", format=".0f"),
               alt.Tooltip("arm_t:N", title="Drug arm"), alt.Tooltip("arm_c:N", title="Control arm"),
               alt.Tooltip("effect_text:N", title=f"{effect_label} [95% CI]"), alt.Tooltip("weight_text:N", title="Weight"),
               alt.Tooltip("source:N", title="Source of numbers")]
    if "contrast" in data:
        tooltip += [alt.Tooltip("contrast:N", title="Contrast used"), alt.Tooltip("evidence:N", title="Evidence level")]
    step = alt.Step(24)

    # Every part reads the one data set given to the whole figure (the page carries it once).
    def text_column(field: str, header: str, y_enc, width: int, align: str = "left") -> alt.Chart:
        return alt.Chart().mark_text(align=align, fontSize=10, color="black").encode(
            y=y_enc, text=f"{field}:N", x=alt.value(0 if align == "left" else width)).properties(
            # frame="group": the header sits over this column's text, not over the study names
            # that the first column carries as its axis labels
            width=width, height=step, title=alt.TitleParams(header, fontSize=10, anchor="start" if align == "left" else "end", frame="group"))

    left = text_column("arm_t", "Drug arm", y, 86)
    control = text_column("arm_c", "Control arm", no_axis, 86)
    # The layers share one x scale, defined once on the line of no effect, and one y encoding and
    # tooltip, given once to the layer that holds the marks (the page carries each spec in full).
    x = alt.X("estimate:Q", title=effect_label, axis=alt.Axis(titleFontSize=10, labelFontSize=9, tickCount=5))
    null = alt.Chart().mark_rule(strokeDash=[4, 4], color="#777777", aria=False).encode(x=alt.X(datum=null_value, scale=scale))
    study = alt.Chart().transform_filter(alt.datum.kind == "study")
    marks = [study.mark_rule(strokeWidth=1.5, color="#333333", aria=False).encode(x=alt.X("ci_lower:Q", title=effect_label), x2="ci_upper:Q"),
             study.mark_square(color=PALETTE[0]).encode(x=x, size=alt.Size("weight:Q", legend=None, scale=alt.Scale(range=[30, 220])))]
    if (rows["kind"] == "pooled").any():
        if "pi_lower" in data and data["pi_lower"].notna().any():
            marks.append(alt.Chart().transform_filter("isValid(datum.pi_lower)").mark_rule(
                strokeDash=[2, 2], strokeWidth=1.2, color=PALETTE[5], aria=False).encode(x=alt.X("pi_lower:Q"), x2="pi_upper:Q"))
        # One diamond per pooled row (subgroup subtotals and the overall estimate), each spanning its
        # own CI: the path is carried in the data and drawn as the point's shape.
        marks.append(alt.Chart().transform_filter(alt.datum.kind == "pooled").mark_point(
            size=1, filled=True, opacity=1, color=PALETTE[5]).encode(x=alt.X("estimate:Q"), shape=alt.Shape("diamond:N", scale=None)))
    # description: each mark's accessible name
    layers = [null, alt.layer(*marks).encode(y=no_axis, tooltip=tooltip, description="label:N")]
    plot = alt.layer(*layers).properties(width=FOREST_PLOT_WIDTH, height=step,
                                          title=alt.TitleParams("", fontSize=10))
    # The estimates column is as wide as its longest text (about 5.2 px a character at 10 px), so
    # no text runs past it and widens the figure.
    text_width = int(data["effect_text"].str.len().max() * 5.2) + 4
    right = text_column("effect_text", "Estimate [95% CI]", no_axis, max(96, text_width), align="right")
    weight = text_column("weight_text", "Weight", no_axis, 40, align="right")
    # On a phone the trial names, the plot and the estimates are kept and drawn at full size; the
    # arm numbers and weights stay in the tooltip (and in the wide layout, and in print).
    narrow = {"below": NARROW_BELOW, "keep": [0, 2, 3], "widths": [1, max(100, 318 - 125 - text_width), text_width], "hide_text": [0], "label_limit": 120,
              "axis_title": effect_label, "axis_lines": _wrap(effect_label, 24),
              "title": _wrap(title, 42), "subtitle": _wrap(heterogeneity, 58) if heterogeneity else None}
    chart = alt.hconcat(left, control, plot, right, weight, spacing=6, data=data,
                        usermeta={"narrow": narrow}).resolve_scale(y="shared")
    lines = _wrap(title, 70)
    params = alt.TitleParams(lines, subtitle=_wrap(heterogeneity, 95) if heterogeneity else alt.Undefined, subtitleFontSize=10, anchor="start")
    return finish(chart, lines, description, title_params=params)


def funnel_chart(effects: pd.DataFrame, pooled_estimate: float, title: str, description: str, effect_label: str) -> alt.LayerChart:
    """Funnel plot on the analysis scale: effect against its standard error (inverted axis),
    with the pseudo 95% confidence region around the pooled estimate."""
    se = effects["vi"].astype(float) ** 0.5
    data = pd.DataFrame({"study": effects["short_name"], "effect": effects["yi"].astype(float).round(3), "se": se.round(3)})
    top = float(se.max()) * 1.1 if len(se) else 1.0
    funnel = pd.DataFrame({"se": [0, top, 0, top], "effect": [pooled_estimate, pooled_estimate - 1.96 * top, pooled_estimate, pooled_estimate + 1.96 * top], "side": ["lower", "lower", "upper", "upper"]})
    y = alt.Y("se:Q", scale=alt.Scale(reverse=True, domain=[0, top]), title="Standard error")
    lines = alt.Chart(funnel).mark_line(strokeDash=[4, 4], color="#777777").encode(x="effect:Q", y=y, detail="side:N")
    centre = alt.Chart(pd.DataFrame({"effect": [pooled_estimate]})).mark_rule(color=PALETTE[5]).encode(x="effect:Q")
    points = alt.Chart(data).mark_point(filled=True, size=80, color=PALETTE[0]).encode(
        x=alt.X("effect:Q", title=effect_label), y=y,
        tooltip=[alt.Tooltip("study:N", title="Study"), alt.Tooltip("effect:Q", title=effect_label), alt.Tooltip("se:Q", title="SE")])
    return finish(alt.layer(lines, centre, points).properties(width=420, height=280), title, description)


def time_course_chart(points: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Difference from control on MADRS by time since the first dose (log time axis), one
    colour and shape per drug; hover for the trial and the numbers."""
    data = points.assign(days=(points["hours"] / 24).round(2), series=points["trial"] + ": " + points["comparison"])
    x = alt.X("hours:Q", scale=alt.Scale(type="log"), title="Hours since first dose (log scale)",
              axis=alt.Axis(values=[1, 2, 4, 24, 72, 168, 336, 672, 1344]))
    selector = alt.selection_point(fields=["drug"], bind="legend")
    faded = alt.condition(selector, alt.value(1.0), alt.value(0.15))
    quiet_colour = alt.Color("drug:N", legend=None)
    tooltip = [alt.Tooltip("trial:N", title="Trial"), alt.Tooltip("drug:N", title="Drug"), alt.Tooltip("hours:Q", title="Hours"),
               alt.Tooltip("days:Q", title="Days"), alt.Tooltip("estimate:Q", title="Difference (MADRS points)"),
               alt.Tooltip("comparison:N", title="Comparison")]
    bars = alt.Chart(data).transform_filter("isValid(datum.ci_lower)").mark_rule(opacity=0.6).encode(
        x=x, y=alt.Y("ci_lower:Q", title="Difference from control (MADRS points; below 0 favours drug)"), y2="ci_upper:Q",
        color=quiet_colour, opacity=faded)
    dots = alt.Chart(data).mark_point(filled=True, size=90).encode(
        x=x, y="estimate:Q", color=alt.Color("drug:N", title="Drug"), shape=alt.Shape("drug:N", title="Drug"),
        opacity=faded, tooltip=tooltip).add_params(selector)
    trend = alt.Chart(data).mark_line(opacity=0.35).encode(x=x, y="estimate:Q", detail="series:N", color=quiet_colour)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(strokeDash=[4, 4], color="#777777").encode(y="y:Q")
    chart = alt.layer(zero, trend, bars, dots).properties(width=560, height=320)
    return finish(chart, title, description)


ROB_COLORS = {"low": "#009E73", "some concerns": "#E69F00", "high": "#D55E00"}
ROB_SYMBOLS = {"low": "+", "some concerns": "?", "high": "−"}


def risk_of_bias_chart(rob: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Traffic-light grid: trial by RoB 2 domain, colour plus a symbol (+ ? −) so colour is
    never the only carrier of the judgement."""
    data = rob.assign(judgement=rob["judgement"].str.replace("_", " "), domain=rob["domain"].str.replace("_", " "))
    data = data.assign(symbol=data["judgement"].map(ROB_SYMBOLS))
    # Only what the chart shows: every extra column would be shipped inside the page.
    data = data[["trial", "domain", "judgement", "reason", "judged_by", "symbol"]]
    order = ["randomization", "deviations", "missing data", "measurement", "selective reporting", "overall"]
    base = alt.Chart(data).encode(
        x=alt.X("domain:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, orient="top")),
        y=alt.Y("trial:N", title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("trial:N", title="Trial"), alt.Tooltip("domain:N", title="Domain"),
                 alt.Tooltip("judgement:N", title="Judgement"), alt.Tooltip("reason:N", title="Why"),
                 alt.Tooltip("judged_by:N", title="Judged by")])
    cells = base.mark_circle(size=380).encode(color=alt.Color("judgement:N", title="Risk of bias",
                                              scale=alt.Scale(domain=list(ROB_COLORS), range=list(ROB_COLORS.values()))))
    text = base.mark_text(fontSize=13, fontWeight="bold", color="white").encode(text="symbol:N")
    return finish(alt.layer(cells, text).properties(width=alt.Step(70), height=alt.Step(24)), title, description)


def timeline_chart(findings: pd.DataFrame, phases: list[str], title: str, description: str) -> alt.Chart:
    """Which step of the proposed mechanism was seen when after a dose, coloured by evidence level
    (human, animal, in vitro), with the study on hover."""
    data = findings.assign(citation=findings["citekey"].map(cite_text), jitter=findings.groupby(["phase", "topic_label"]).cumcount())
    levels = list(EVIDENCE_COLORS)
    chart = alt.Chart(data).mark_point(filled=True, size=140).encode(
        x=alt.X("phase:N", sort=phases, title="When after the dose", axis=alt.Axis(labelAngle=0, labelLimit=160)),
        y=alt.Y("topic_label:N", title=None),
        xOffset=alt.XOffset("jitter:N"),
        color=alt.Color("evidence:N", title="Evidence from", scale=alt.Scale(domain=levels, range=[EVIDENCE_COLORS[l] for l in levels])),
        shape=alt.Shape("evidence:N", title="Evidence from", scale=alt.Scale(domain=levels, range=["circle", "square", "triangle-up", "diamond"])),
        tooltip=[alt.Tooltip("finding:N", title="Finding"), alt.Tooltip("species:N", title="Species"),
                 alt.Tooltip("drug:N", title="Drug"), alt.Tooltip("time_label:N", title="Time as reported"),
                 alt.Tooltip("citation:N", title="Source (citekey)")],
    ).properties(width=560, height=alt.Step(26))
    return finish(chart, title, description)


def evidence_base_chart(counts: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Stacked bars: verified findings per mechanistic step, by evidence level (letters H, A, V, T
    mark human, animal, in-vitro and theory segments)."""
    levels = list(EVIDENCE_COLORS)
    data = counts.rename(columns={"findings": "n"})
    return labelled_stacked_bars(data, "topic_label", "evidence", levels, [EVIDENCE_COLORS[l] for l in levels],
                                 ["H", "A", "V", "T"], "Verified findings", title, description, "Evidence from")


def rebus_chart(prior_mean: float, evidence: float, evidence_precision: float, precisions, title: str, description: str) -> alt.Chart:
    """Prior, evidence and updated (posterior) densities with a slider for the prior's precision.
    The browser computes the curves from the slider (the conjugate Gaussian update of
    rebus.posterior), so the page carries a grid of 61 points, not a curve per slider position."""
    values = sorted(float(v) for v in precisions)
    slider = alt.binding_range(min=min(values), max=max(values), step=values[1] - values[0] if len(values) > 1 else 1,
                               name="Precision of the prior belief ")
    param = alt.param(name="prior_precision_value", value=max(values), bind=slider)
    grid = np.round(np.linspace(-4, 4, 61), 3)
    data = pd.DataFrame([{"curve": c, "x": x} for c in ("prior belief", "new evidence", "updated belief") for x in grid])
    p, ep = param.name, float(evidence_precision)
    # precision and mean of each curve, then the normal density (as rebus.belief_curves computes it)
    precision = f"datum.curve == 'prior belief' ? {p} : datum.curve == 'new evidence' ? {ep} : {p} + {ep}"
    mean = (f"datum.curve == 'prior belief' ? {prior_mean} : datum.curve == 'new evidence' ? {evidence} "
            f": ({p} * {prior_mean} + {ep} * {evidence}) / ({p} + {ep})")
    chart = alt.Chart(data).mark_line(strokeWidth=3).encode(
        x=alt.X("x:Q", title="What the belief predicts (arbitrary units)"),
        y=alt.Y("density:Q", title="Probability density"),
        color=alt.Color("curve:N", title=None, scale=alt.Scale(domain=["prior belief", "new evidence", "updated belief"],
                                                               range=[PALETTE[1], PALETTE[0], PALETTE[5]])),
        strokeDash=alt.StrokeDash("curve:N", title=None, scale=alt.Scale(domain=["prior belief", "new evidence", "updated belief"],
                                                                         range=[[6, 3], [2, 2], [1, 0]])),
        tooltip=[alt.Tooltip("curve:N", title="Curve"), alt.Tooltip("x:Q"), alt.Tooltip("density:Q", format=".4f")],
    ).add_params(param).transform_calculate(
        precision=precision).transform_calculate(mean=mean).transform_calculate(
        density="sqrt(datum.precision / (2 * PI)) * exp(-0.5 * datum.precision * pow(datum.x - datum.mean, 2))"
    ).properties(width=520, height=280)
    return finish(chart, title, description)


VERDICT_ORDER = ["supported", "supported with caveats", "preclinical only", "theory", "not supported", "contradicted", "insufficient evidence"]
VERDICT_COLORS = ["#009E73", "#56B4E9", "#E69F00", "#999999", "#CC79A7", "#D55E00", "#F0E442"]
VERDICT_SYMBOLS = ["S", "C", "P", "T", "N", "X", "I"]


def verdict_chart(claims: pd.DataFrame, group: str, title: str, description: str) -> alt.LayerChart:
    """Stacked bars of claim verdicts per group (seed article or chapter), each segment lettered."""
    counts = (claims.assign(verdict_label=claims["verdict"].str.replace("_", " "))
              .groupby([group, "verdict_label"]).size().rename("n").reset_index())
    present = [v for v in VERDICT_ORDER if v in set(counts["verdict_label"])]
    colors = [VERDICT_COLORS[VERDICT_ORDER.index(v)] for v in present]
    symbols = [VERDICT_SYMBOLS[VERDICT_ORDER.index(v)] for v in present]
    return labelled_stacked_bars(counts, group, "verdict_label", present, colors, symbols, "Claims", title, description, "Verdict")


def direction_chart(counts: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Imaging findings by measure and direction of change (arrows mark the direction), for one
    timing; ``counts`` has topic_label, direction and n."""
    order = ["decrease", "increase", "mixed", "no change"]
    present = [d for d in order if d in set(counts["direction"])]
    palette = {"decrease": "#0072B2", "increase": "#D55E00", "mixed": "#999999", "no change": "#E69F00"}
    arrows = {"decrease": "↓", "increase": "↑", "mixed": "~", "no change": "="}
    return labelled_stacked_bars(counts, "topic_label", "direction", present, [palette[d] for d in present],
                                 [arrows[d] for d in present], "Verified findings", title, description, "Change")



def adverse_event_chart(ratios: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Risk ratios (drug vs control) with 95% CIs for each trial and adverse event, log scale."""
    data = ratios.assign(row=ratios["event_label"] + " — " + ratios["short_name"],
                         drug_arm=ratios["events_t"].astype(int).astype(str) + "/" + ratios["n_t"].astype(int).astype(str),
                         control_arm=ratios["events_c"].astype(int).astype(str) + "/" + ratios["n_c"].astype(int).astype(str),
                         rr=ratios["rr"].round(2), lo=ratios["ci_lower"].round(2), hi=ratios["ci_upper"].round(2))
    y = alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=320))
    tooltip = [alt.Tooltip("short_name:N", title="Trial"), alt.Tooltip("event_label:N", title="Event"),
               alt.Tooltip("drug_arm:N", title="Drug arm"), alt.Tooltip("control_arm:N", title="Control arm"),
               alt.Tooltip("rr:Q", title="Risk ratio"), alt.Tooltip("lo:Q", title="95% CI lower"), alt.Tooltip("hi:Q", title="95% CI upper")]
    ci = alt.Chart(data).mark_rule(strokeWidth=2).encode(y=y, x=alt.X("ci_lower:Q", scale=alt.Scale(type="log"), title="Risk ratio, drug vs control (log scale)"), x2="ci_upper:Q", tooltip=tooltip)
    dots = alt.Chart(data).mark_point(filled=True, size=90).encode(y=y, x="rr:Q", color=alt.Color("drug:N", title="Drug"), shape=alt.Shape("drug:N", title="Drug"), tooltip=tooltip)
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="#777777").encode(x="x:Q")
    return finish(alt.layer(one, ci, dots).properties(width=440, height=alt.Step(24)), title, description)


def practice_chart(practices: pd.DataFrame, title: str, description: str) -> alt.Chart:
    """Each practice placed by the certainty of its best evidence and the verdict, with the
    population and study on hover."""
    certainty_order = ["very low", "low", "moderate", "high"]
    verdict_order = ["supported", "supported with caveats", "preclinical only", "insufficient evidence", "not supported", "contradicted"]
    data = practices.assign(certainty_label=practices["certainty"].str.replace("_", " "),
                            verdict_label=practices["verdict"].str.replace("_", " "))
    chart = alt.Chart(data).mark_point(filled=True, size=160).encode(
        x=alt.X("certainty_label:N", sort=certainty_order, title="Certainty of the evidence", scale=alt.Scale(domain=certainty_order)),
        y=alt.Y("practice:N", title=None, axis=alt.Axis(labelLimit=300)),
        xOffset=alt.XOffset("jitter:N"),
        color=alt.Color("verdict_label:N", title="Verdict", sort=verdict_order,
                        scale=alt.Scale(domain=verdict_order, range=["#009E73", "#56B4E9", "#E69F00", "#999999", "#CC79A7", "#D55E00"])),
        shape=alt.Shape("verdict_label:N", title="Verdict", sort=verdict_order, scale=alt.Scale(domain=verdict_order)),
        tooltip=[alt.Tooltip("practice:N", title="Practice"), alt.Tooltip("population:N", title="Population"),
                 alt.Tooltip("design:N", title="Design"), alt.Tooltip("finding:N", title="Finding"),
                 alt.Tooltip("verdict_label:N", title="Verdict"), alt.Tooltip("citekey:N", title="Source (citekey)")],
    ).transform_window(jitter="row_number()", groupby=["practice", "certainty_label"]).properties(width=360, height=alt.Step(24))
    return finish(chart, title, description)


def labelled_stacked_bars(counts: pd.DataFrame, group: str, category: str, order: list[str], colors: list[str],
                          symbols: list[str], x_title: str, title: str, description: str, legend_title: str) -> alt.LayerChart:
    """Horizontal stacked bars whose segments also carry a symbol, so colour is never the only
    way to tell the categories apart. ``counts`` has columns group, category and n."""
    symbol_of = dict(zip(order, symbols))
    data = counts.assign(symbol=counts[category].map(symbol_of),
                         legend=counts[category].map(lambda c: f"{symbol_of[c]}  {c}"),
                         rank=counts[category].map({c: i for i, c in enumerate(order)}))
    legend_order = [f"{symbol_of[c]}  {c}" for c in order]
    base = alt.Chart(data).transform_stack(
        stack="n", as_=["x0", "x1"], groupby=[group], sort=[alt.SortField("rank", order="ascending")]
    ).transform_calculate(mid="(datum.x0 + datum.x1) / 2")
    y = alt.Y(f"{group}:N", title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip(f"{group}:N"), alt.Tooltip(f"{category}:N", title=legend_title), alt.Tooltip("n:Q", title=x_title)]
    bars = base.mark_bar().encode(
        y=y, x=alt.X("x0:Q", title=x_title), x2="x1:Q",
        color=alt.Color("legend:N", title=legend_title, sort=legend_order, scale=alt.Scale(domain=legend_order, range=colors),
                        legend=alt.Legend(columns=3, labelLimit=220)),
        tooltip=tooltip)
    text = base.mark_text(fontSize=11, fontWeight="bold", color="black").encode(y=y, x="mid:Q", text="symbol:N", tooltip=tooltip)
    return finish(alt.layer(bars, text).properties(width=480, height=alt.Step(24)), title, description)


def prisma_chart(counts: dict, title: str, description: str) -> alt.LayerChart:
    """PRISMA 2020 flow diagram drawn from screening.prisma_counts: boxes on the left follow the
    records down; boxes on the right say what left at each stage and why."""
    sources = "; ".join(f"{label}: {n}" for label, n in counts["by_source"].items())
    reasons = [f"{reason}: {n}" for reason, n in counts["reasons"].items()] or ["none"]
    boxes = [
        # x, y (top), height in lines, text lines
        (0, 0, [f"Records identified: {counts['identified']}", *_wrap(sources, 46)]),
        (1, 0, [f"Duplicates removed before screening: {counts['duplicates']}",
                f"Identified, awaiting assessment: {counts['awaiting']}"]),
        (0, 1, [f"Records screened: {counts['screened']}"]),
        (1, 1, [f"Records excluded at screening: {counts['excluded_screening']}"]),
        (0, 2, [f"Reports assessed for eligibility: {counts['assessed']}"]),
        (1, 2, [f"Reports excluded: {counts['excluded_assessed']}", *reasons]),
        (0, 3, [f"Studies included: {counts['studies']}", f"Reports of included studies: {counts['reports']}"]),
    ]
    width, line, gap = 300, 15, 36
    heights = {(c, st): 16 + len(lines) * line for c, st, lines in boxes}
    tops, top = {}, 10
    for stage in range(4):  # each stage starts below the taller of its two boxes
        tops[stage] = top
        top += max(heights.get((0, stage), 0), heights.get((1, stage), 0)) + gap
    data = pd.DataFrame([{"column": c, "stage": st, "text": lines, "x": 20 + c * 330, "y": tops[st],
                          "x2": 20 + c * 330 + width, "y2": tops[st] + heights[(c, st)]} for c, st, lines in boxes])
    total = top
    arrows = pd.DataFrame([{"x": 170, "y": tops[st] + heights[(0, st)], "x2": 170, "y2": tops[st + 1]} for st in range(3)]
                          + [{"x": 320, "y": tops[st] + 16, "x2": 350, "y2": tops[st] + 16} for st in range(3)])
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 660]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[0, total], reverse=True))
    rects = alt.Chart(data).mark_rect(fill="white", stroke="#333333", strokeWidth=1).encode(x=x, x2="x2:Q", y=y, y2="y2:Q")
    text = alt.Chart(data).transform_calculate(tx="datum.x + 8", ty="datum.y + 8").mark_text(
        align="left", baseline="top", fontSize=11, lineHeight=line, color="black").encode(
        x=alt.X("tx:Q", axis=None, scale=alt.Scale(domain=[0, 660])), y=alt.Y("ty:Q", axis=None, scale=alt.Scale(domain=[0, total], reverse=True)),
        text="text")
    links = alt.Chart(arrows).mark_rule(color="#333333", strokeWidth=1.5).encode(x=x, x2="x2:Q", y=y, y2="y2:Q")
    chart = alt.layer(links, rects, text).properties(width=660, height=total)
    return finish(chart, title, description)


def _wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most ``width`` characters at spaces (for boxes in a diagram)."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return lines + ([current] if current else [])


def empty_chart(title: str, message: str) -> alt.Chart:
    """A placeholder figure that states plainly why there is nothing to plot (no trial has usable
    numbers yet), so a question never silently disappears from the page."""
    chart = alt.Chart(pd.DataFrame({"text": [message]})).mark_text(fontSize=13, color="#333333").encode(text="text:N")
    return finish(chart.properties(width=480, height=40), title, f"No data to plot: {message}")


def pooled_harms_chart(pooled: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Pooled risk ratio per harm, one panel row per drug (dot and 95% CI, log scale); the
    number of trials is in the label, so a one-trial estimate is never mistaken for a pooled one."""
    data = pooled.dropna(subset=["rr"]).assign(
        label=lambda d: d["event_label"] + " (" + d["k_rr"].astype(int).astype(str) + " trial" + np.where(d["k_rr"] == 1, "", "s") + ")",
        rr_text=lambda d: d["rr"].round(2).astype(str) + " (" + d["rr_lower"].round(2).astype(str) + " to " + d["rr_upper"].round(2).astype(str) + ")")
    data = data[["drug", "label", "rr", "rr_lower", "rr_upper", "rr_text"]]
    scale = alt.Scale(type="log")
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("rr", order="descending"), axis=alt.Axis(labelLimit=230))
    tooltip = [alt.Tooltip("drug:N", title="Drug"), alt.Tooltip("label:N", title="Harm"), alt.Tooltip("rr_text:N", title="Risk ratio (95% CI)")]
    # Layers without data of their own, so the facet splits the rows by drug.
    base = alt.Chart().encode(y=y)
    ci = base.mark_rule(strokeWidth=2, color="#333333").encode(x=alt.X("rr_lower:Q", scale=scale, title="Risk ratio, drug vs control (log scale)"), x2="rr_upper:Q")
    dots = base.mark_circle(size=80, color=PALETTE[5], opacity=1).encode(x="rr:Q", tooltip=tooltip, description="label:N")
    null = alt.Chart().mark_rule(strokeDash=[4, 4], color="#777777", aria=False).encode(x=alt.datum(1.0))  # decorative reference line
    chart = alt.layer(ci, dots, null, data=data).properties(width=330, height=alt.Step(18)).facet(
        row=alt.Row("drug:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")))
    return finish(chart.resolve_scale(y="independent"), title, description)


def benefit_harm_chart(rows: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Number needed to treat for a response beside numbers needed to harm, per drug (log scale,
    with the range the 95% CI implies; open-ended ranges are cut at 1,000)."""
    cap = 1000.0
    data = rows.assign(value=rows["value"].clip(upper=cap), low=rows["low"].clip(upper=cap), high=rows["high"].clip(upper=cap),
                       kind=np.where(rows["measure"].str.startswith("benefit"), "benefit", "harm"),
                       text=lambda d: d["value"].round(0).astype(int).astype(str))
    data = data[["drug", "measure", "value", "low", "high", "kind", "text", "k"]]
    x = alt.X("value:Q", scale=alt.Scale(type="log", domain=[1, cap]), title="Number of people treated for one extra person affected (log scale)")
    y = alt.Y("measure:N", title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip("drug:N", title="Drug"), alt.Tooltip("measure:N", title="Outcome"), alt.Tooltip("text:N", title="Number needed"),
               alt.Tooltip("k:Q", title="Trials")]
    base = alt.Chart().encode(y=y)
    rule = base.mark_rule(strokeWidth=2, color="#333333").encode(x=alt.X("low:Q", scale=alt.Scale(type="log", domain=[1, cap])), x2="high:Q")
    dots = base.mark_point(filled=True, size=110, opacity=1).encode(
        x=x, shape=alt.Shape("kind:N", title=None, scale=alt.Scale(domain=["benefit", "harm"], range=["circle", "triangle-up"])),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=["benefit", "harm"], range=[PALETTE[2], PALETTE[5]])),
        tooltip=tooltip, description="measure:N")
    chart = alt.layer(rule, dots, data=data).properties(width=300, height=alt.Step(22)).facet(
        row=alt.Row("drug:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")))
    return finish(chart.resolve_scale(y="independent"), title, description)


def icon_array_chart(rows: pd.DataFrame, title: str, description: str) -> alt.Chart:
    """'Out of 100 people': one 10 × 10 grid of dots per group (e.g. control and drug, per drug),
    the first ``people`` dots filled. rows: panel, group, people (rounded to whole people), note.
    Filled and hollow dots differ in shape as well as colour, so colour is never the only cue."""
    # One data row per grid; the browser expands it into 100 dots, so the page carries 4 rows, not 400.
    data = rows.assign(people=rows["people"].astype(int),
                       label=[f"{r.group}: {int(r.people)} of 100 ({r.note})" for r in rows.itertuples(index=False)])
    expand = [alt.CalculateTransform(calculate="sequence(0, 100)", **{"as": "i"}), alt.FlattenTransform(flatten=["i"]),
              alt.CalculateTransform(calculate="datum.i % 10", **{"as": "x"}),
              alt.CalculateTransform(calculate="floor(datum.i / 10)", **{"as": "y"}),
              alt.CalculateTransform(calculate="datum.i < datum.people ? 'improved' : 'did not'", **{"as": "status"})]
    base = alt.Chart().encode(x=alt.X("x:O", axis=None), y=alt.Y("y:O", axis=None, sort="descending"),
                              tooltip=[alt.Tooltip("label:N", title="Out of 100")], description="label:N")
    # Rings for people who did not improve, filled dots for those who did (the house style fills points).
    rings = base.transform_filter(alt.datum.status == "did not").mark_point(filled=False, size=60, strokeWidth=1.2, color="#767676")
    dots = base.transform_filter(alt.datum.status == "improved").mark_point(filled=True, size=70, opacity=1, color=PALETTE[0])
    chart = alt.layer(rings, dots, data=data, transform=expand).properties(width=120, height=120).facet(
        column=alt.Column("group:N", title=None, sort=list(dict.fromkeys(rows["group"])), header=alt.Header(labelFontSize=12)),
        row=alt.Row("panel:N", title=None, sort=list(dict.fromkeys(rows["panel"])),
                    header=alt.Header(labelFontSize=12, labelFontWeight="bold", labelAngle=0, labelAlign="left",
                                      labelOrient="top", labelLimit=300)))
    return finish(chart, title, description, subtitle="Filled dot: improved by at least half. Ring: did not.")


def specification_curve_chart(specs: pd.DataFrame, choices: dict[str, list[str]], title: str, description: str,
                              name: str) -> alt.VConcatChart:
    """A specification curve (Simonsohn et al.; the multiverse meta-analysis of Plessen et al.):
    every specification's pooled estimate with its 95% interval, sorted, and beneath it the choices
    that produced it. Drop-down menus (one per choice) highlight the specifications that make a
    given choice; nothing is recomputed in the browser, the results are all precomputed."""
    cols = ["rank", "estimate", "ci_lower", "ci_upper", "k", "excludes_no_effect", "is_default", *choices]
    data = specs[cols].assign(estimate=specs["estimate"].round(3), ci_lower=specs["ci_lower"].round(3), ci_upper=specs["ci_upper"].round(3),
                              verdict=np.where(specs["excludes_no_effect"], "interval excludes no effect", "interval includes no effect"))
    params, tests = [], []
    for i, (choice, options) in enumerate(choices.items()):
        param = alt.param(name=f"{name}_{i}", value="any",
                          bind=alt.binding_select(options=["any", *options], name=f"{choice}: "))
        params.append(param)
        tests.append(f"({param.name} == 'any' || datum['{choice}'] == {param.name})")
    chosen = " && ".join(tests)
    opacity = alt.condition(chosen, alt.value(1.0), alt.value(0.12))
    x = alt.X("rank:O", axis=None, title=None)
    verdict_scale = alt.Scale(domain=["interval excludes no effect", "interval includes no effect"], range=[PALETTE[0], "#8a8a8a"])
    tooltip = [alt.Tooltip("estimate:Q", title="SMD"), alt.Tooltip("ci_lower:Q", title="95% CI from"),
               alt.Tooltip("ci_upper:Q", title="to"), alt.Tooltip("k:Q", title="Trials"),
               *[alt.Tooltip(f"{c}:N") for c in choices]]
    base = alt.Chart(data)
    # Hartung–Knapp intervals from two trials (t with one degree of freedom) are very wide; the axis
    # keeps to the range where estimates differ, and longer intervals run to its edge (clamped).
    low = float(max(data["ci_lower"].min(), min(data["estimate"].min() - 1.0, -1.0)))
    high = float(min(data["ci_upper"].max(), max(data["estimate"].max() + 1.0, 0.5)))
    y_scale = alt.Scale(domain=[low, high], clamp=True, nice=False)
    rules = base.mark_rule().encode(x=x, y=alt.Y("ci_lower:Q", title="Pooled SMD (negative favours the drug)", scale=y_scale), y2="ci_upper:Q",
                                    color=alt.Color("verdict:N", scale=verdict_scale, title=None, legend=alt.Legend(orient="top")),
                                    opacity=opacity)
    points = base.mark_point(filled=True).encode(
        x=x, y=alt.Y("estimate:Q", scale=y_scale), color=alt.Color("verdict:N", scale=verdict_scale, title=None),
        shape=alt.Shape("is_default:N", scale=alt.Scale(domain=[True, False], range=["diamond", "circle"]),
                        legend=alt.Legend(title=None, orient="top", labelExpr="datum.value ? 'main analysis' : 'other choices'")),
        size=alt.condition("datum.is_default", alt.value(140), alt.value(40)), opacity=opacity, tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="#555555").encode(y="y:Q")
    top = alt.layer(rules, points, zero).properties(width=560, height=220)
    option_order = [f"{c}: {o}" for c, opts in choices.items() for o in opts]
    matrix = base.transform_fold(list(choices), as_=["choice", "option"]).transform_calculate(
        row="datum.choice + ': ' + datum.option").mark_tick(thickness=2, size=9).encode(
        x=x, y=alt.Y("row:N", sort=option_order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("verdict:N", scale=verdict_scale, title=None), opacity=opacity, tooltip=tooltip,
    ).properties(width=560, height=14 * len(option_order))
    chart = alt.vconcat(top, matrix, spacing=6).add_params(*params)
    return finish(chart, title, description)


def control_arm_chart(rows: pd.DataFrame, title: str, description: str) -> alt.Chart:
    """How much each trial's control arm improved (MADRS change), by kind of control and drug:
    the room that expectancy, natural course and regression to the mean leave for the drug."""
    data = rows.assign(change=rows["change"].round(1), control=rows["control"], n=rows["n"].fillna(0))
    chart = alt.Chart(data).mark_point(filled=True, opacity=0.85).encode(
        x=alt.X("change:Q", title="Change in MADRS score in the control arm (negative = improved)"),
        y=alt.Y("control:N", title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("drug:N", title=None, scale=alt.Scale(range=PALETTE[:3]), legend=alt.Legend(orient="top", columns=1)),
        shape=alt.Shape("drug:N", title=None),
        size=alt.Size("n:Q", title="People in the arm", scale=alt.Scale(range=[40, 400]), legend=None),
        tooltip=[alt.Tooltip("trial:N", title="Trial"), alt.Tooltip("control:N", title="Control"),
                 alt.Tooltip("change:Q", title="MADRS change"), alt.Tooltip("n:Q", title="People"),
                 alt.Tooltip("when:N", title="When")],
    ).properties(width=460, height=36 * max(data["control"].nunique(), 1))
    return finish(chart, title, description)


def network_chart(rows: pd.DataFrame, scores: pd.Series, title: str, description: str) -> alt.LayerChart:
    """The network: treatments on a circle, a line for each pair compared directly (thicker with
    more trials), each treatment's dot sized by the trials it is in. Positions are computed here,
    so the chart is the same on every build."""
    treatments = list(scores.index)  # best ranked first, clockwise from the top
    angle = {t: np.pi / 2 - 2 * np.pi * i / len(treatments) for i, t in enumerate(treatments)}
    xy = {t: (round(float(np.cos(a)), 4), round(float(np.sin(a)), 4)) for t, a in angle.items()}
    pairs = rows.assign(a=rows[["treat1", "treat2"]].min(axis=1), b=rows[["treat1", "treat2"]].max(axis=1))
    edges = pairs.groupby(["a", "b"]).agg(trials=("study", "nunique"), names=("study", lambda s: "; ".join(sorted(set(s))))).reset_index()
    edges = edges.assign(x=edges["a"].map(lambda t: xy[t][0]), y=edges["a"].map(lambda t: xy[t][1]),
                         x2=edges["b"].map(lambda t: xy[t][0]), y2=edges["b"].map(lambda t: xy[t][1]),
                         pair=edges["a"] + " – " + edges["b"])
    trials_per = pd.concat([rows[["study", "treat1"]].rename(columns={"treat1": "t"}),
                            rows[["study", "treat2"]].rename(columns={"treat2": "t"})]).groupby("t")["study"].nunique()
    nodes = pd.DataFrame({"treatment": treatments, "x": [xy[t][0] for t in treatments], "y": [xy[t][1] for t in treatments],
                          "trials": [int(trials_per.get(t, 0)) for t in treatments],
                          "p_score": [round(float(scores[t]), 2) for t in treatments]})
    # Labels sit outside the circle and start at their dot (left side: end at it), so neither lines
    # nor dots run through them.
    nodes = nodes.assign(label_x=(nodes["x"] * 1.14).round(4), label_y=(nodes["y"] * 1.16).round(4),
                         side=np.where(nodes["x"] > 0.2, "right", np.where(nodes["x"] < -0.2, "left", "middle")))
    scale = alt.Scale(domain=[-2.1, 2.1])
    x, y = alt.X("x:Q", axis=None, scale=scale), alt.Y("y:Q", axis=None, scale=scale)
    lines = alt.Chart(edges).mark_rule(color=PALETTE[0], opacity=0.7).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", strokeWidth=alt.StrokeWidth("trials:Q", legend=None, scale=alt.Scale(range=[1.5, 9])),
        tooltip=[alt.Tooltip("pair:N", title="Compared directly"), alt.Tooltip("trials:Q", title="Trials"),
                 alt.Tooltip("names:N", title="Which")])
    dots = alt.Chart(nodes).mark_circle(color=PALETTE[1], opacity=1).encode(
        x=x, y=y, size=alt.Size("trials:Q", legend=None, scale=alt.Scale(range=[120, 700])),
        tooltip=[alt.Tooltip("treatment:N", title="Treatment"), alt.Tooltip("trials:Q", title="Trials"),
                 alt.Tooltip("p_score:Q", title="P-score")])
    def labels_on(side: str, align: str, dx: int) -> alt.Chart:
        return alt.Chart(nodes[nodes["side"] == side]).mark_text(fontSize=12, fontWeight="bold", align=align, dx=dx).encode(
            x=alt.X("label_x:Q", axis=None, scale=scale), y=alt.Y("label_y:Q", axis=None, scale=scale), text="treatment:N")

    labels = [labels_on("right", "left", 4), labels_on("left", "right", -4), labels_on("middle", "center", 0)]
    chart = alt.layer(lines, dots, *labels).properties(width=340, height=320)
    return finish(chart, title, description)
