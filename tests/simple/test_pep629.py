"""PEP 629: every simple page declares the repository API version it speaks (1.4 here), as a
`pypi:repository-version` meta tag in HTML and as `meta.api-version` in PEP 691 JSON."""

from __future__ import annotations

from tests.factories.dists import build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_index, fetch_project
from tests.simple.publishing import publish

API_VERSION = "1.4"


def test_empty_index_declares_api_version(app):
    for media_type in MEDIA_TYPES:
        assert fetch_index(app, media_type).api_version == API_VERSION


def test_index_and_project_pages_declare_api_version(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"))

    for media_type in MEDIA_TYPES:
        for page in (fetch_index(app, media_type), fetch_project(app, "sample", media_type)):
            assert page.api_version == API_VERSION
            if media_type == JSON:
                assert page.response.json["meta"]["api-version"] == API_VERSION
            else:
                # Exactly the tag PEP 629 specifies, in the document head.
                head = page.response.text.split("</head>")[0]
                assert f'<meta name="pypi:repository-version" content="{API_VERSION}">' in head
