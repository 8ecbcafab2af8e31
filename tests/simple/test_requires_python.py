"""PEP 503 / 691 `data-requires-python` and `requires-python`: a file's Requires-Python, taken
from its own metadata, HTML-escaped in the attribute and absent for files that declare none."""

from __future__ import annotations

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_project
from tests.simple.publishing import publish


def test_requires_python_is_given_per_file(app, make_user):
    constrained = build_wheel("sample", "2.0", requires_python=">=3.9")
    several = build_wheel("sample", "1.0", requires_python="<4,>=3.8,!=3.9.0")
    unconstrained = build_sdist("sample", "0.9")
    publish(app, make_user(), constrained, several, unconstrained)

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)

        assert page.files[constrained.filename].requires_python == ">=3.9", media_type
        assert page.files[unconstrained.filename].requires_python is None, media_type
        specifiers = page.files[several.filename].requires_python or ""
        assert set(specifiers.split(",")) == {"<4", ">=3.8", "!=3.9.0"}, media_type
        if media_type == JSON:
            entries = {e["filename"]: e for e in page.response.json["files"]}
            assert entries[constrained.filename]["requires-python"] == ">=3.9"
            assert "requires-python" not in entries[unconstrained.filename]
        else:
            assert 'data-requires-python="&gt;=3.9"' in page.response.text
            assert ">=3" not in page.response.text
            assert page.response.text.count("data-requires-python") == 2
