"""The package shows its architecture: four layers, each importing only the layers before it
(data < analysis < presentation < build), so a reader can find a thing by its folder and a change
to a page cannot reach the statistics."""

import ast

import pytest

from evidence_review import PACKAGE_DIR

LAYERS = ["data", "analysis", "presentation", "build"]


def _modules():
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if p.parent != PACKAGE_DIR)


def _layer(path) -> str:
    return path.relative_to(PACKAGE_DIR).parts[0]


def _imported_layers(path):
    """Layers named by every import in the module, at the top or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}: use absolute imports across layers")
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "evidence_review" and len(parts) > 1 and parts[1] in LAYERS:
                yield node.lineno, parts[1]


def test_every_module_lives_in_a_layer():
    top = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert top == ["__init__.py"]
    assert {_layer(p) for p in _modules()} == set(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_a_layer_imports_only_the_layers_before_it(path):
    own = LAYERS.index(_layer(path))
    upward = [f"line {line}: {layer}" for line, layer in _imported_layers(path) if LAYERS.index(layer) > own]
    assert not upward, f"{path.relative_to(PACKAGE_DIR)} ({LAYERS[own]}) imports a later layer: {upward}"


def test_the_sphinx_extension_has_one_module_per_concern():
    sphinx = PACKAGE_DIR / "build" / "sphinx"
    assert sorted(p.stem for p in sphinx.glob("*.py")) == [
        "__init__", "bibliography_cache", "chart_runtime", "data_aware_execution", "html_fixes",
        "parallel_execution", "reuse_files", "traces"]
    for module in sphinx.glob("*.py"):
        if module.stem != "__init__":
            assert "def setup(app)" in module.read_text(encoding="utf-8"), module.name


def test_loading_the_sphinx_extension_imports_neither_pandas_nor_altair():
    # A rebuild with nothing changed loads the extension and little else; pandas and altair cost
    # about 0.6 s of a 2 s no-op rebuild (measured), so they are imported only when work is done.
    import subprocess
    import sys

    probe = "import sys, evidence_review.build.sphinx; print(sorted(m for m in ('pandas', 'altair', 'numpy') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
