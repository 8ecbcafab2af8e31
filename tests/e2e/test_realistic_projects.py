"""Benign archives shaped like popular projects, built by real backends, are accepted whole.

Six projects are written at test time (tests/ downloads nothing) and built with pypa `build` by
setuptools (setup.cfg; a C extension), hatchling, flit_core, pdm-backend and poetry-core. They
hold what real files hold: src and flat layouts, a namespace package, MANIFEST.in grafting
tests/ and docs/, reStructuredText and Markdown descriptions, licence files (PEP 639 and older),
`py.typed`, a test-fixture ZIP and tar.gz, a gzip data file, a non-ASCII file name, an empty
file, a deep path, entry points, extras with environment markers, Metadata-Version 2.4 and 2.5.

Covers: every sdist and pure wheel uploads with twine and is served with its own sha256 (and,
for wheels, PEP 658 metadata equal to its METADATA); the inspector, run in process on each
file, returns exactly the METADATA / PKG-INFO inside it; the C extension's wheel, with a local
build's bare platform tag (`linux_x86_64`), is refused as on PyPI, and twine prints the tag.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import io
import json
import os
import string
import sys
import sysconfig
import tarfile
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

import pytest

from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.inspector import inspect_distribution
from bastion.inspection.limits import InspectionLimits
from bastion.packaging.errors import InvalidArchiveError
from tests.e2e.conftest import JSON_ACCEPT, UV, LiveServer, client_env, run, sha256_of, twine_upload

pytestmark = pytest.mark.e2e

BACKENDS = ["build", "setuptools", "wheel", "hatchling", "flit_core", "pdm-backend", "poetry-core"]
CLASSIFIERS = [
    "Development Status :: 5 - Production/Stable",
    "Intended Audience :: Developers",
    "Programming Language :: Python :: 3 :: Only",
    "Typing :: Typed",
]
README_RST = """\
$title
$underline

**$title** is shaped like a popular project, for Bastion's archive tests.

.. code-block:: python

    >>> import $title

- International domains and URLs, `documented <https://example.org/docs>`_.

.. note:: Nothing here does anything.
"""
README_MD = """\
# $title [![CI](https://example.org/badge.svg)](https://example.org/ci)

```python
import $title
```

| feature | status |
|---------|--------|
| données | ✓      |
"""
MIT = "MIT License\n\nCopyright (c) 2024 Zoë Ångström\n"
DEEP_PATH = "pipeline/policies/retry/strategies/backoff/exponential/jitter/defaults/settings.json"

# Each project is a string.Template of a source tree, an `@@ path` line before each file. It
# may use $name, $classifiers (a TOML array), $readme_rst, $readme_md, $mit and $deep_path.

# requests/attrs before PEP 621: metadata in setup.cfg, a stub setup.py, MANIFEST.in grafting
# docs/ and tests/ (archives among the test fixtures), package data, entry points, markers.
SETUPTOOLS_CFG = """\
@@ pyproject.toml
[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
@@ setup.py
from setuptools import setup

setup()
@@ setup.cfg
[metadata]
name = $name
version = attr: httpish.__version__
description = HTTP for Humans, shaped for Bastion's archive tests.
long_description = file: README.rst, HISTORY.rst
long_description_content_type = text/x-rst
author = Kenneth Example
author_email = me@example.org
url = https://example.org/httpish
project_urls =
    Documentation = https://httpish.example.org
license = Apache-2.0
license_files = LICENSE NOTICE
classifiers =
    License :: OSI Approved :: Apache Software License
    Programming Language :: Python :: 3.11
    Topic :: Internet :: WWW/HTTP

[options]
package_dir =
    = src
packages = find:
python_requires = >=3.9
install_requires =
    idna>=2.5,<4
    urllib3>=1.21.1,<3
include_package_data = True

[options.packages.find]
where = src

[options.package_data]
httpish = py.typed, data/*.gz

[options.extras_require]
socks = PySocks>=1.5.6,!=1.5.7
tests =
    importlib_metadata>=4 ; python_version < "3.10"
    pywin32 ; sys_platform == "win32" and platform_python_implementation == "CPython"

[options.entry_points]
console_scripts =
    httpish = httpish.__main__:main
@@ MANIFEST.in
include README.rst HISTORY.rst LICENSE NOTICE
graft docs
graft tests
prune docs/_build
global-exclude *.py[cod] __pycache__
@@ README.rst
$readme_rst
@@ HISTORY.rst
1.4.0 (2024-05-29): initial release.
@@ LICENSE
Apache License, Version 2.0
@@ NOTICE
Copyright 2019 Kenneth Example
@@ src/httpish/__init__.py
__version__ = "1.4.0"
@@ src/httpish/__main__.py
def main() -> None: ...
@@ src/httpish/py.typed
@@ docs/index.rst
httpish
=======
@@ docs/_build/html/index.html
<html></html>
@@ tests/test_api.py
def test_nothing(): ...
"""

# azure-core: a src/ namespace package, PEP 639 licence files, hatch's dynamic version,
# a non-ASCII file name, an empty file and a deep path in package data.
HATCHLING_NAMESPACE = """\
@@ pyproject.toml
[build-system]
requires = ["hatchling>=1.26"]
build-backend = "hatchling.build"

[project]
name = "$name"
dynamic = ["version"]
description = "Core library for the azureish namespace"
readme = "README.md"
license = "MIT"
license-files = ["LICENSE", "NOTICE.txt"]
requires-python = ">=3.9"
authors = [{ name = "Zoë Ångström", email = "zoe@example.org" }]
classifiers = $classifiers
dependencies = ["requests>=2.21.0", "typing-extensions>=4.6.0"]
optional-dependencies = { aio = ["aiohttp>=3.0; python_version >= '3.9'"] }
urls = { Source = "https://example.org/azureish" }

[tool.hatch.version]
path = "src/azureish/core/_version.py"

[tool.hatch.build.targets.wheel]
packages = ["src/azureish"]
@@ README.md
$readme_md
@@ LICENSE
$mit
@@ NOTICE.txt
Third-party notices
@@ src/azureish/core/__init__.py
from ._version import VERSION as __version__
@@ src/azureish/core/_version.py
VERSION = "1.30.2"
@@ src/azureish/core/py.typed
@@ src/azureish/core/data/données.txt
Des données, en UTF-8 : é à ü ß ✓
@@ src/azureish/core/data/empty.dat
@@ src/azureish/core/$deep_path
{"retries": 3}
"""

# six: one module, whose docstring and __version__ are the description and version.
FLIT_MODULE = """\
@@ pyproject.toml
[build-system]
requires = ["flit_core>=3.12"]
build-backend = "flit_core.buildapi"

[project]
name = "$name"
authors = [{ name = "Benjamin Example", email = "benjamin@example.org" }]
readme = "README.rst"
license = "MIT"
license-files = ["LICENSE"]
requires-python = ">=3.8"
classifiers = $classifiers
dynamic = ["version", "description"]
urls = { Home = "https://example.org/sixish" }

[tool.flit.module]
name = "sixish"

[tool.flit.sdist]
include = ["tests/", "docs/"]
exclude = ["docs/_build"]
@@ sixish.py
\"\"\"Python 2 and 3 compatibility utilities.\"\"\"

__version__ = "1.17.0"
@@ README.rst
$readme_rst
@@ LICENSE
$mit
@@ tests/test_sixish.py
import sixish
@@ docs/index.rst
sixish
======
@@ docs/_build/index.html
<html></html>
"""

# pdm: src layout, version read from a file, scripts and plugin entry points, sdist extras.
PDM_SRC = """\
@@ pyproject.toml
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[project]
name = "$name"
dynamic = ["version"]
description = "A modern Python package and dependency manager"
readme = "README.md"
license = "MIT"
license-files = ["LICENSE"]
requires-python = ">=3.9"
authors = [{ name = "Frost Example", email = "frost@example.org" }]
classifiers = $classifiers
dependencies = ["packaging>=22.1", "tomli>=1.1.0; python_version < '3.11'"]
optional-dependencies = { template = ["pdm-template>=0.1; implementation_name == 'cpython'"] }
scripts = { pdmish = "pdmish.core:main" }
entry-points = { "pdmish.plugins" = { venv = "pdmish.plugins:venv" } }

[tool.pdm]
version = { source = "file", path = "src/pdmish/__init__.py" }
build = { package-dir = "src", includes = ["src/pdmish"], source-includes = ["tests/", "CHANGELOG.md"] }
@@ README.md
$readme_md
@@ CHANGELOG.md
# Changelog
@@ LICENSE
$mit
@@ src/pdmish/__init__.py
__version__ = "2.19.1"
@@ src/pdmish/core.py
def main() -> None: ...
@@ src/pdmish/templates/default/pyproject.toml
[project]
name = "{{ name }}"
@@ tests/test_core.py
def test_nothing(): ...
"""

# pendulum before PEP 621: everything in [tool.poetry], caret ranges, sdist-only includes.
POETRY_CLASSIC = """\
@@ pyproject.toml
[tool.poetry]
name = "$name"
version = "3.0.0"
description = "Python datetimes made easy"
authors = ["Sébastien Example <sebastien@example.org>"]
license = "MIT"
readme = "README.rst"
homepage = "https://example.org/pendulumish"
classifiers = ["Typing :: Typed"]
packages = [{ include = "pendulumish", from = "src" }]
include = [{ path = "tests", format = "sdist" }, { path = "CHANGELOG.md", format = "sdist" }]

[tool.poetry.dependencies]
python = ">=3.9"
python-dateutil = "^2.6"
time-machine = { version = ">=2.6.0", optional = true, markers = "implementation_name != 'pypy'" }

[tool.poetry.extras]
test = ["time-machine"]

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
@@ README.rst
$readme_rst
@@ CHANGELOG.md
# Change Log
@@ LICENSE
$mit
@@ src/pendulumish/__init__.py
__version__ = "3.0.0"
@@ src/pendulumish/cli.py
def main() -> None: ...
@@ src/pendulumish/py.typed
@@ src/pendulumish/locales/fr/locale.py
translations = {"days": "jours"}
@@ tests/test_cli.py
def test_nothing(): ...
"""

# markupsafe: PEP 621 metadata and one C extension declared in setup.py.
SETUPTOOLS_C_EXTENSION = """\
@@ pyproject.toml
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "$name"
version = "3.0.2"
description = "Safely add untrusted strings to HTML/XML markup."
readme = "README.md"
license = "BSD-3-Clause"
license-files = ["LICENSE.txt"]
maintainers = [{ name = "Pallets Example", email = "contact@example.org" }]
classifiers = $classifiers
requires-python = ">=3.9"

[tool.setuptools.package-data]
markupsafeish = ["py.typed", "*.pyi"]
@@ setup.py
from setuptools import Extension, setup

setup(ext_modules=[Extension("markupsafeish._speedups", ["src/markupsafeish/_speedups.c"])])
@@ README.md
$readme_md
@@ LICENSE.txt
Copyright 2010 Pallets
@@ src/markupsafeish/__init__.py
from ._speedups import escape
@@ src/markupsafeish/_speedups.pyi
def escape(s: str) -> str: ...
@@ src/markupsafeish/py.typed
@@ src/markupsafeish/_speedups.c
#include <Python.h>

static PyObject *escape(PyObject *self, PyObject *text) { Py_INCREF(text); return text; }
static PyMethodDef methods[] = {{"escape", escape, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};
PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
"""


def _requests_binary_files() -> dict[str, bytes]:
    """Archives among the test fixtures (a ZIP, an sdist-like tar.gz) and gzip package data."""
    fixture_zip, fixture_tar = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(fixture_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sample/hello.txt", "hello\n" * 50)
        archive.writestr("sample/nested/data.json", '{"answer": 42}\n')
    setup_py = tarfile.TarInfo("fixture-0.1/setup.py")
    setup_py.size = len(content := b"from setuptools import setup\nsetup(name='fixture')\n")
    with tarfile.open(fileobj=fixture_tar, mode="w:gz") as archive:
        archive.addfile(setup_py, io.BytesIO(content))
    return {
        "tests/fixtures/sample.zip": fixture_zip.getvalue(),
        "tests/fixtures/fixture-0.1.tar.gz": fixture_tar.getvalue(),
        "src/httpish/data/mime.types.gz": gzip.compress(b"text/html html htm\n" * 40, mtime=0),
    }


@dataclasses.dataclass(frozen=True)
class Shape:
    """A project shaped after a popular one: its source tree, and what the index must do."""

    key: str
    version: str
    tree: str
    title: str
    binary_files: Callable[[], dict[str, bytes]] = dict
    # A locally built extension's wheel has a bare platform tag, refused as PyPI does.
    has_extension: bool = False

    def files(self, name: str) -> dict[str, str | bytes]:
        """The project's source tree, named `name`: relative path -> content."""
        readme = {"title": self.title, "underline": "=" * len(self.title)}
        text = string.Template(self.tree).substitute(
            name=name,
            classifiers=json.dumps(CLASSIFIERS, ensure_ascii=False),
            readme_rst=string.Template(README_RST).substitute(readme),
            readme_md=string.Template(README_MD).substitute(readme),
            mit=MIT,
            deep_path=DEEP_PATH,
        )
        files: dict[str, str | bytes] = {}
        for chunk in text.split("\n@@ "):
            path, _, content = chunk.removeprefix("@@ ").partition("\n")
            files[path] = content
        return files | self.binary_files()

    def sdist_members(self) -> set[str]:
        """Every file of the tree but built documentation, which each project prunes."""
        return {path for path in self.files("") if "/_build/" not in path}

    def wheel_members(self) -> set[str]:
        """The importable files: below src/ (C sources aside), or a top-level module."""
        return {
            path.removeprefix("src/")
            for path in self.files("")
            if (path.startswith("src/") and not path.endswith(".c"))
            or ("/" not in path and path.endswith(".py") and path != "setup.py")
        }


C_EXTENSION = Shape(
    "setuptools-c-extension-markupsafe",
    "3.0.2",
    SETUPTOOLS_C_EXTENSION,
    "markupsafeish",
    has_extension=True,
)
SHAPES = [
    Shape("setuptools-cfg-requests", "1.4.0", SETUPTOOLS_CFG, "httpish", _requests_binary_files),
    Shape("hatchling-namespace-azure", "1.30.2", HATCHLING_NAMESPACE, "azureish"),
    Shape("flit-module-six", "1.17.0", FLIT_MODULE, "sixish"),
    Shape("pdm-src-pdm", "2.19.1", PDM_SRC, "pdmish"),
    Shape("poetry-classic-pendulum", "3.0.0", POETRY_CLASSIC, "pendulumish"),
    C_EXTENSION,
]


@dataclasses.dataclass(frozen=True)
class Built:
    """One project's distribution files."""

    name: str
    sdist: Path
    wheel: Path


BuildShape: TypeAlias = Callable[[Shape], Built]


@pytest.fixture(scope="session")
def backends_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with pypa `build` and the build backends of every shape."""
    venv = tmp_path_factory.mktemp("backends") / "venv"
    run([UV, "venv", "--quiet", "--python", sys.executable, venv], env=os.environ)
    python = venv / "bin" / "python"
    run([UV, "pip", "install", "--quiet", "--python", python, *BACKENDS], env=os.environ)
    return python


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory, backends_python: Path) -> BuildShape:
    """Write and build a shape, once per session, when a test first asks for it."""
    root = tmp_path_factory.mktemp("realistic")
    # The live server is shared by the session: names must not collide within it.
    suffix = uuid.uuid4().hex[:8]

    @functools.cache
    def build_shape(shape: Shape) -> Built:
        name = f"bastion-rp-{shape.key}-{suffix}"
        source, out = root / shape.key / "source", root / shape.key / "dist"
        for relative, content in shape.files(name).items():
            path = source / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        command = [backends_python, "-m", "build", "--no-isolation", "--sdist", "--wheel"]
        run([*command, "--outdir", out, source], env=client_env())
        (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
        return Built(name, sdist, wheel)

    return build_shape


def _core_metadata_inside(path: Path) -> bytes:
    """The wheel's .dist-info/METADATA or the sdist's top-level PKG-INFO, read by the stdlib."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            return archive.read(name)
    with tarfile.open(path) as archive:
        top = archive.getmembers()[0].name.split("/", 1)[0]
        extracted = archive.extractfile(f"{top}/PKG-INFO")
        assert extracted is not None
        return extracted.read()


def _members(path: Path) -> set[str]:
    """Member paths: inside the wheel, or below the sdist's top-level directory."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist())
    with tarfile.open(path) as archive:
        return {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}


INSPECTED = [
    pytest.param(shape, kind, id=f"{shape.key}-{kind}")
    for shape in SHAPES
    for kind in ("sdist", "wheel")
    if kind == "sdist" or not shape.has_extension
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.key)
def test_built_files_hold_what_real_projects_ship(build: BuildShape, shape: Shape) -> None:
    built = build(shape)
    assert shape.sdist_members() <= _members(built.sdist)
    assert shape.wheel_members() <= _members(built.wheel)


@pytest.mark.parametrize(("shape", "kind"), INSPECTED)
def test_inspector_returns_the_core_metadata_inside_the_file(
    build: BuildShape, shape: Shape, kind: str
) -> None:
    built = build(shape)
    path = built.sdist if kind == "sdist" else built.wheel

    report = inspect_distribution(path, path.name, InspectionLimits())

    assert report.core_metadata == _core_metadata_inside(path)
    assert report.members >= len(_members(path))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.key)
def test_twine_upload_of_realistic_project_is_accepted(
    server: LiveServer, build: BuildShape, shape: Shape
) -> None:
    built = build(shape)
    accepted = [built.sdist] if shape.has_extension else [built.sdist, built.wheel]

    result = twine_upload(server, accepted)

    output = " ".join((result.stdout + result.stderr).split())
    for path in accepted:
        assert f"Uploading {path.name}" in output
    assert "ERROR" not in output
    served = server.files_of(built.name)
    assert sorted(served) == sorted(path.name for path in accepted)
    for path in accepted:
        entry = served[path.name]
        assert entry["hashes"] == {"sha256": sha256_of(path)}
        assert entry["size"] == path.stat().st_size
        if path.suffix == ".whl":
            metadata = server.request(f"{entry['url']}.metadata")
            assert metadata.status == 200
            assert metadata.body == _core_metadata_inside(path)
            assert entry["core-metadata"] == {"sha256": hashlib.sha256(metadata.body).hexdigest()}
    assert server.simple_json(built.name)["versions"] == [shape.version]


def test_wheel_with_a_bare_linux_platform_tag_is_refused_naming_the_tag(
    server: LiveServer, build: BuildShape
) -> None:
    built = build(C_EXTENSION)
    platform_tag = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert built.wheel.name.endswith(f"-{platform_tag}.whl")
    with pytest.raises(RefusedArchiveError, match=f"platform tag '{platform_tag}'") as refused:
        inspect_distribution(built.wheel, built.wheel.name, InspectionLimits())

    result = twine_upload(server, [built.wheel], check=False)

    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "400" in output
    assert str(InvalidArchiveError(built.wheel.name, refused.value.reason)) in output
    page = server.request(f"/simple/{built.name}/", headers={"Accept": JSON_ACCEPT})
    served = page.json()["files"] if page.status == 200 else []  # type: ignore[index]
    assert built.wheel.name not in {entry["filename"] for entry in served}
