"""House style and the offline renderer."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from evidence_review.presentation import charts
from evidence_review.presentation.book import table_html


def simple_chart(title="T", description="D.") -> alt.Chart:
    data = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    return charts.finish(alt.Chart(data).mark_bar().encode(x="x", y="y"), title, description)


def test_renderer_output_is_identical_across_runs():
    charts.use_house_style()
    first = charts.render_offline(simple_chart().to_dict())["text/html"]
    charts._ids_seen.clear()
    second = charts.render_offline(simple_chart().to_dict())["text/html"]
    assert first == second


def test_renderer_loads_no_cdn_and_leaves_drawing_to_the_shipped_runtime():
    charts.use_house_style()
    html = charts.render_offline(simple_chart().to_dict())["text/html"]
    assert "cdn" not in html.lower() and "https://" not in html  # not even the $schema address
    assert '<script type="application/json" class="vega-spec" data-chart="chart-' in html
    assert "vegaEmbed(" in charts.runtime_script() and "evidenceHouseConfig" in charts.runtime_script()


def test_house_style_travels_in_the_runtime_not_in_each_chart():
    import json

    charts.use_house_style()
    plain = simple_chart().to_dict()
    assert plain["config"] == charts.house_config()
    spec = json.loads(charts.render_offline(plain)["text/html"].split('data-chart="')[1].split(">", 1)[1].split("</script>")[0])
    assert "config" not in spec
    own = simple_chart().configure_view(strokeWidth=3).to_dict()
    spec = json.loads(charts.render_offline(own)["text/html"].split('data-chart="')[1].split(">", 1)[1].split("</script>")[0])
    assert spec["config"] == {"view": own["config"]["view"]}  # a chart's own setting is kept


def test_chart_without_description_is_refused():
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x").properties(title="Only a title")
    with pytest.raises(charts.ChartAccessibilityError):
        charts.render_offline(chart.to_dict())
    with pytest.raises(charts.ChartAccessibilityError):
        charts.finish(chart, "Title", " ")


def test_description_is_exposed_to_screen_readers():
    html = charts.render_offline(simple_chart("Forest plot", "Each row is a trial.").to_dict())["text/html"]
    assert 'aria-label="Forest plot. Each row is a trial."' in html
    assert '<p class="chart-description">Each row is a trial.</p>' in html


def test_script_text_in_data_cannot_close_the_script_element():
    data = pd.DataFrame({"x": ["</script><script>alert(1)</script>"], "y": [1]})
    chart = charts.finish(alt.Chart(data).mark_bar().encode(x="x", y="y"), "T", "D.")
    html = charts.render_offline(chart.to_dict())["text/html"]
    assert html.count("</script>") == 1  # only the renderer's own closing tag


def test_theme_uses_the_colour_blind_safe_palette():
    charts.use_house_style()
    config = alt.theme.get()()["config"]
    assert config["range"]["category"] == charts.PALETTE
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_table_html_escapes_text_and_has_a_caption():
    frame = pd.DataFrame({"note": ["<b>bold</b> & <script>x()</script>"]})
    html = table_html(frame, "Caption <here>").data
    assert "<caption>Caption &lt;here&gt;</caption>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_evidence_level_chart_letters_every_level_present():
    counts = pd.DataFrame({"table": ["a", "b"], "rows": [3, 2], "primary": [2, 1], "secondary": [0, 1], "derived": [1, 0],
                           "press": [0, 0], "unverified": [0, 0]})
    spec = charts.evidence_level_chart(counts).to_dict()
    assert spec["description"] and spec["title"] == "Where each table's numbers were read"
    assert set(spec["datasets"][next(iter(spec["datasets"]))][0]) >= {"table", "level", "n", "symbol"}


def test_a_forest_plot_carries_its_phone_layout():
    """On a narrow screen the runtime keeps the trial names, the plot and the estimates
    (usermeta.narrow) and draws them at full size; arm numbers and weights stay in the tooltip."""
    import pandas as pd

    rows = pd.DataFrame({"label": ["A 2001", "B 2002", "Pooled"], "kind": ["study", "study", "pooled"],
                         "estimate": [-1.0, -2.0, -1.5], "ci_lower": [-2.0, -3.0, -2.2], "ci_upper": [0.0, -1.0, -0.8],
                         "weight": [50.0, 50.0, None], "arm_t": ["10/20", "12/22", ""], "arm_c": ["5/20", "6/21", ""]})
    spec = charts.forest_chart(rows, "Test", "Forest plot test.", "MD", 0.0, False).to_dict()
    narrow = spec["usermeta"]["narrow"]
    parts = spec["hconcat"]
    kept = [parts[i] for i in narrow["keep"]]
    assert "axis" in kept[0]["encoding"]["y"]  # the trial names
    # column headers sit over their own column, not over the trial names the first one carries
    assert parts[0]["title"]["text"] == "Drug arm" and parts[0]["title"]["frame"] == "group"
    assert "layer" in kept[1]  # the plot
    assert kept[2]["title"]["text"] == "Estimate [95% CI]"
    assert len(narrow["widths"]) == len(narrow["keep"]) and set(narrow["hide_text"]) <= set(narrow["keep"])
    tooltip_fields = {t["field"] for t in parts[2]["layer"][1]["encoding"]["tooltip"]}
    assert {"arm_t", "arm_c", "weight_text"} <= tooltip_fields
    assert "narrowed(" in charts.runtime_script()
