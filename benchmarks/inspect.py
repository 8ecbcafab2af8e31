"""Inspection speed and false refusals on the most-downloaded projects' real files.

    .venv/bin/python benchmarks/inspect.py --help

The benchmark itself is `inspect_bench.py` (its docstring says what it measures and how); this
file is its entry point under the name the issue gives it. That name is also the standard
library's `inspect`, and a script run from benchmarks/ has this directory first on sys.path, so
any `import inspect` there (dataclasses does one) finds this file: imported under that name, it
puts the real module in its place, so the other benchmark scripts are not affected.
"""

import sys

if __name__ == "__main__":
    import inspect_bench

    sys.exit(inspect_bench.main())
elif __name__ == "inspect":
    import importlib.util
    import sysconfig
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location(
        __name__, Path(sysconfig.get_path("stdlib")) / "inspect.py"
    )
    assert _spec is not None and _spec.loader is not None  # noqa: S101, PT018
    _real = importlib.util.module_from_spec(_spec)
    # The import system returns what sys.modules holds once this file has run.
    sys.modules[__name__] = _real
    _spec.loader.exec_module(_real)
