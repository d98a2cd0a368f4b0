"""Logic behind the evidence review book, in four layers, each importing only those before it:
``data`` (load and validate), ``analysis`` (pooling and statistics), ``presentation`` (charts,
tables, traced numbers) and ``build`` (the Sphinx extension and command-line tools). Chapters import
from here so that no computation lives in a notebook."""

from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The book's root: the nearest folder above the working directory with _config.yml and
    data/schema. Resolving from the working directory (not this file) means a copy of the book
    reads its own data, which the regeneration test relies on."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "_config.yml").exists() and (folder / "data" / "schema").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


ROOT = find_root()
DATA_DIR = ROOT / "data"
SCHEMA_DIR = DATA_DIR / "schema"
BIB_PATH = ROOT / "references.bib"
CHAPTERS_DIR = ROOT / "chapters"
# Where the built book keeps its files for reuse (written by build.downloads, linked from pages).
DOWNLOADS = "downloads"
EFFECT_DIR = "effect-sizes"
# A glued value's trace is glued beside it under this suffix (presentation.tracing, build.sphinx.traces).
TRACE_SUFFIX = "__trace"
PACKAGE_DIR = Path(__file__).resolve().parent


def package_sources() -> list[Path]:
    """Every Python file of the package: the code that shapes every number and chart."""
    return sorted(PACKAGE_DIR.rglob("*.py"))
