"""Helpers every chapter uses: the preamble, and tables rendered safely with captions."""

from __future__ import annotations

import html
import re

import pandas as pd
from IPython.display import HTML

from .charts import use_house_style


def setup_chapter() -> None:
    """One call at the top of each chapter: house chart style, offline renderer, table display."""
    use_house_style()
    pd.set_option("display.max_colwidth", None)


def table_html(frame: pd.DataFrame, caption: str, columns: dict[str, str] | None = None) -> HTML:
    """An accessible HTML table with a caption; every cell is escaped, so text in the data is
    always shown as text, never run as markup."""
    if columns:
        frame = frame[list(columns)].rename(columns=columns)
    body = frame.astype("string").fillna("").to_html(index=False, escape=True, border=0, classes="evidence-table")
    body = re.sub(r"<table[^>]*>", f'<table class="evidence-table"><caption>{html.escape(caption)}</caption>', body, count=1)
    return HTML(body)
