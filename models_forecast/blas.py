"""Run small linear algebra single-threaded.

statsmodels' state-space and ETS code makes many calls on tiny matrices. With OpenBLAS using all cores, each call pays
thread start-up and contention: on a busy 2-core machine a seasonal ARIMA fit took about 7x longer (1.2 s against
0.18 s of CPU). :func:`single_threaded_blas` sets the thread count of every OpenBLAS library loaded in the process
to 1 and restores it afterwards (what ``threadpoolctl`` does, without the dependency). Linux only; elsewhere, or if the
symbols are not found, it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_PAIRS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _openblas_handles() -> list[tuple[Any, Any]]:
    import scipy.linalg  # noqa: F401 - loads scipy's own OpenBLAS (statsmodels' Kalman filter uses it)

    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = sorted({line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()})
    handles = []
    for path in paths:
        if not path.endswith(".so") and ".so." not in path:
            continue
        try:
            lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        except OSError:
            continue
        for get_name, set_name in _PAIRS:
            getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                handles.append((getter, setter))
                break
    return handles


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Context manager: OpenBLAS on one thread inside, the previous thread counts restored on exit."""
    try:
        handles = _openblas_handles()
        before = [int(get()) for get, _ in handles]
        for _, set_ in handles:
            set_(1)
    except (OSError, AttributeError, ValueError):  # pragma: no cover - platform specific
        handles, before = [], []
    try:
        yield
    finally:
        for (_, set_), n in zip(handles, before, strict=True):
            set_(n)
