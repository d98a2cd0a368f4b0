"""Evidence tables as readers see them: words instead of codes, sources as "Author year", long text
folded away, cards on a phone, every column on paper, and search, filters and sorting for long
tables.

One renderer serves every chapter, so every table behaves the same. The HTML carries only data
attributes; the behaviour (search, filter, sort, opening folded text for print) lives in one
shared script, ``_static/evidence-tables.js``, and the layouts in ``_static/evidence.css``:

- wide screens: the table fits its column (text wraps; nothing scrolls sideways);
- narrow screens: each row becomes a card whose cells are labelled by their column header;
- print: a compact table with every column and all folded text shown.
"""

from __future__ import annotations

import hashlib
import html
import numbers
import re
from functools import lru_cache

import pandas as pd
from IPython.display import HTML

from evidence_review.data.labels import FIELD_LABELS, label


@lru_cache(maxsize=1)
def citation_labels() -> dict[str, str]:
    """'Author year' for every citekey in references.bib, with a, b … where two would read alike."""
    from evidence_review import BIB_PATH
    from evidence_review.data.bibliography import read_bibliography, short_citation

    entries = read_bibliography(BIB_PATH)
    plain = {key: short_citation(entry) for key, entry in entries.items()}
    by_label: dict[str, list[str]] = {}
    for key in sorted(plain):
        by_label.setdefault(plain[key], []).append(key)
    out = {}
    for text, keys in by_label.items():
        for i, key in enumerate(keys):
            out[key] = text if len(keys) == 1 else f"{text}{chr(ord('a') + i)}"
    return out


def cite_text(value) -> str:
    """Citekeys ('a; b' or 'a, b') as 'Author year; Author year'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == "":
        return ""
    labels = citation_labels()
    keys = [k.strip() for k in str(value).replace(",", ";").split(";") if k.strip()]
    return "; ".join(labels.get(k, k) for k in keys)


@lru_cache(maxsize=1)
def _citekey_pattern() -> re.Pattern:
    keys = sorted(citation_labels(), key=len, reverse=True)
    return re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, keys)) + r")(?![\w/-])")


def cite_inline(text: str) -> str:
    """Free text with any citekey in it (e.g. '(phelps2009)') written as 'Author year'."""
    labels = citation_labels()
    return _citekey_pattern().sub(lambda m: labels[m.group(1)], text)


def _cell_text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value)).replace("-", "\u2212")
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        text = str(int(number)) if number.is_integer() else f"{number:g}"
        return text.replace("-", "\u2212")
    return str(value).replace("-", "\u2212") if _is_negative_number(value) else str(value)


def _is_negative_number(value) -> bool:
    text = str(value).strip()
    return text.startswith("-") and text[1:2].isdigit()


def table_html(frame: pd.DataFrame, caption: str, columns: dict[str, str] | None = None, *,
               long_text: tuple[str, ...] = (), citations: tuple[str, ...] = (), code: tuple[str, ...] = (),
               links: dict[str, str] | None = None, html_columns: tuple[str, ...] = (),
               more: dict[str, str] | None = None, search: bool = False, filters: tuple[str, ...] = (),
               sort: bool = False, noun: str = "rows", labels: bool = True) -> HTML:
    """An accessible evidence table.

    columns: which columns to show, in order, with their headers (default: all, as named).
    long_text: columns folded into a "show" toggle, so a long rationale never makes a row tall.
    citations: columns of citekeys, shown as 'Author year'.
    code: columns shown as code (the data dictionary, where codes are the subject).
    links: {text column: href column} — the text links inside the book.
    html_columns: columns already rendered as safe HTML by the package (never from the data).
    more: {column: header} of secondary columns folded together into a last "More" cell, so a
        table keeps to the width of the page.
    search / filters / sort: a search box, drop-down filters on the named columns, sortable headers.
    labels: coded columns (see labels.FIELD_LABELS) are shown as words.
    Every other cell is escaped, so text in the data is always shown as text."""
    columns = dict(columns) if columns else {c: c for c in frame.columns}
    links = links or {}
    more = more or {}
    missing = [c for c in [*columns, *links.values(), *more] if c not in frame.columns]
    if missing:
        raise KeyError(f"table {caption!r}: no column(s) {missing}; columns are {list(frame.columns)}")
    table_id = "table-" + hashlib.sha1(caption.encode("utf-8")).hexdigest()[:10]

    def shown(col, value):
        if labels and col in FIELD_LABELS and col not in code:
            value = label(value, col)
        if col in citations:
            return html.escape(cite_text(value))
        if col in code:
            text = html.escape(_cell_text(value))
            return f"<code>{text}</code>" if text else ""
        return html.escape(cite_inline(_cell_text(value)))

    head = []
    for col, header in columns.items():
        if sort and col not in long_text:
            head.append(f'<th scope="col" aria-sort="none"><button type="button" class="sort-button">'
                        f'{html.escape(header)}</button></th>')
        else:
            head.append(f'<th scope="col">{html.escape(header)}</th>')
    if more:
        head.append('<th scope="col">More</th>')
    body = []
    for _, row in frame.iterrows():
        cells = []
        for col, header in columns.items():
            value = row[col]
            content = value if col in html_columns else shown(col, value)
            if col in links and not pd.isna(row[links[col]]):
                content = f'<a href="{html.escape(str(row[links[col]]))}">{content}</a>'
            if col in long_text and content:
                content = f'<details><summary>{html.escape(header)}</summary>{content}</details>'
            classes = []
            if col in long_text:
                classes.append("long-text")
            if _is_numeric_cell(value):
                classes.append("number")
            attrs = f' data-label="{html.escape(header)}"'
            if classes:
                attrs += f' class="{" ".join(classes)}"'
            if sort and _is_numeric_cell(value):
                attrs += f' data-sort-value="{float(value)!r}"'
            cells.append(f"<td{attrs}>{content}</td>")
        if more:
            items = "".join(f"<p><strong>{html.escape(header)}:</strong> {shown(col, row[col])}</p>"
                            for col, header in more.items() if _cell_text(row[col]))
            cells.append(f'<td data-label="More" class="long-text">'
                         f'{f"<details><summary>More</summary>{items}</details>" if items else ""}</td>')
        data_attrs = "".join(f' data-filter-{i}="{html.escape(str(label(row[c], c) if labels else row[c]))}"'
                             for i, c in enumerate(filters))
        body.append(f"<tr{data_attrs}>{''.join(cells)}</tr>")

    controls = ""
    if search or filters:
        parts = []
        if search:
            parts.append(f'<label>Search <input type="search" class="table-search" aria-controls="{table_id}" '
                         f'placeholder="any word"></label>')
        for i, col in enumerate(filters):
            values = sorted({str(label(v, col) if labels else v) for v in frame[col].dropna()})
            options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
            parts.append(f'<label>{html.escape(columns.get(col, col.replace("_", " ").capitalize()))} <select class="table-filter" data-filter="{i}" '
                         f'aria-controls="{table_id}"><option value="">all</option>{options}</select></label>')
        parts.append(f'<span class="table-count" aria-live="polite" data-noun="{html.escape(noun)}">'
                     f'{len(frame)} {html.escape(noun)}</span>')
        controls = f'<div class="table-controls">{" ".join(parts)}</div>'
    table_classes = "evidence-table" + (" sortable" if sort else "")
    return HTML(f'<div class="evidence-table-box" id="{table_id}-box">{controls}'
                f'<table id="{table_id}" class="{table_classes}"><caption>{html.escape(caption)}</caption>'
                f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _is_numeric_cell(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not pd.isna(value)


def effect_text(measure, estimate, lower=None, upper=None) -> str:
    """'Cohen d 0.65 (−0.55 to 1.82)': one readable cell instead of four numeric columns."""
    if estimate is None or pd.isna(estimate):
        return ""
    text = f"{_cell_text(estimate)}"
    if lower is not None and upper is not None and not pd.isna(lower) and not pd.isna(upper):
        text += f" ({_cell_text(lower)} to {_cell_text(upper)})"
    measure = "" if measure is None or pd.isna(measure) else str(measure)
    return f"{measure} {text}".strip()


def source_text(citekey, locator=None) -> str:
    """'Author year, Table 2': the source and where in it, for the last column of a table."""
    cited = cite_text(citekey)
    if locator is None or pd.isna(locator) or not str(locator).strip():
        return cited
    return f"{cited}, {locator}"


def code_quoted(text) -> str:
    """Safe HTML of a description in which quoted codes ('first_period') are set as code: the
    data dictionary, where codes are the subject."""
    escaped = html.escape(_cell_text(text), quote=False)
    escaped = re.sub(r"'?\b([A-Za-z0-9]+(?:_[A-Za-z0-9]+)+)\b'?", r"<code>\1</code>", escaped)
    return re.sub(r"'([A-Za-z0-9./-]+)'", r"<code>\1</code>", escaped)
