"""Root pytest configuration, loaded for both the test suite and the nbval run over chapters/.

When two pytest-xdist workers start Jupyter kernels at the same moment, a kernel can die at
start-up (the two launches can race for the same free TCP port). nbval then reports every cell of
that notebook as an error although nothing in the notebook is wrong. Starting the kernel again
removes that race; a notebook whose outputs differ still fails exactly as before.
"""

from __future__ import annotations

import time

try:
    import nbval.kernel as _nbval_kernel
except ImportError:  # nbval not installed: nothing to patch
    _nbval_kernel = None

if _nbval_kernel is not None and not getattr(_nbval_kernel.start_new_kernel, "_retrying", False):
    _start_once = _nbval_kernel.start_new_kernel

    def _start_with_retry(*args, attempts: int = 3, **kwargs):
        for attempt in range(1, attempts + 1):
            try:
                return _start_once(*args, **kwargs)
            except RuntimeError:
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)

    _start_with_retry._retrying = True
    _nbval_kernel.start_new_kernel = _start_with_retry
