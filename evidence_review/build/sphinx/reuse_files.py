"""Files for reuse (the data package as a zip, effect sizes per question, the networks), written
by evidence_review.build.downloads and copied into the built book under downloads/."""

from __future__ import annotations

from pathlib import Path


def _add_downloads(app, config) -> None:
    from evidence_review import DOWNLOADS
    from evidence_review.build.downloads import write_downloads

    extra = Path(app.doctreedir).parent / "evidence_downloads"
    write_downloads(extra / DOWNLOADS, root=Path(app.srcdir))  # the book being built, wherever the build runs from
    config.html_extra_path = list(config.html_extra_path) + [str(extra)]


def setup(app) -> None:
    app.connect("config-inited", _add_downloads)
