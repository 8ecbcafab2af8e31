"""Project pages: the rendered and sanitised description, the files of the release shown with
their hashes, the release history, yank notices, and 404 / redirects for other names."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.publishing import publish, yank
from tests.web.pages import elements

HOSTILE_MARKDOWN = """# Usage

Some **bold** advice.

<script>alert("script")</script>
<img src="logo.png" alt="logo" onerror="alert('onerror')">
<a href="javascript:alert('link')">a javascript: link</a>
[markdown link](javascript:alert('markdown'))
<a href="https://example.org/docs" onclick="alert('click')">docs</a>
<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/"><input name="password"></form>
"""


def _publish_releases(app, auth):
    old = [build_wheel("Sample.Project", "1.0"), build_sdist("Sample.Project", "1.0")]
    new = [build_wheel("Sample.Project", "2.0", summary="Newest sample")]
    publish(app, auth, *old, *new)
    return old, new


def test_markdown_description_is_rendered(app, make_user):
    description = "# Usage\n\nSome **bold** advice and a [link](https://example.org/docs).\n"
    wheel = build_wheel(
        "sample", "1.0", description=description, description_content_type="text/markdown"
    )
    publish(app, make_user(), wheel)

    page = elements(app.get("/project/sample/"))

    assert "Usage" in page.text
    assert page.find("h1")
    assert page.find("strong")
    assert any(a.get("href") == "https://example.org/docs" for a in page.find("a"))


def test_restructuredtext_is_the_default_markup(app, make_user):
    description = "Title\n=====\n\nSome *emphasis*.\n"
    publish(app, make_user(), build_wheel("sample", "1.0", description=description))

    page = elements(app.get("/project/sample/"))

    assert page.find("em")
    assert "Some emphasis." in page.text
    assert "=====" not in page.text


def test_description_is_sanitised(app, make_user):
    wheel = build_wheel(
        "sample", "1.0", description=HOSTILE_MARKDOWN, description_content_type="text/markdown"
    )
    publish(app, make_user(), wheel)

    page = elements(app.get("/project/sample/"))

    assert page.find("script") == []
    assert page.find("iframe") == []
    # Only the site's own search form is left.
    assert [form.get("action") for form in page.find("form")] == ["/"]
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    # What is safe survives.
    assert page.find("strong")
    assert any(a.get("href") == "https://example.org/docs" for a in page.find("a"))
    assert any(img.get("alt") == "logo" for img in page.find("img"))


def test_page_shows_latest_release_files_hashes_and_history(app, make_user):
    old, new = _publish_releases(app, make_user())

    page = elements(app.get("/project/sample-project/"))

    assert "Sample.Project 2.0" in page.text
    assert "Newest sample" in page.text
    assert new[0].sha256 in page.text
    assert all(dist.sha256 not in page.text for dist in old)
    hrefs = [a.get("href") or "" for a in page.find("a")]
    assert any(urlsplit(h).path.endswith("/" + new[0].filename) for h in hrefs)
    assert "/project/sample-project/1.0/" in hrefs
    assert "/project/sample-project/2.0/" in hrefs
    # History lists the newest first.
    assert hrefs.index("/project/sample-project/2.0/") < hrefs.index("/project/sample-project/1.0/")


def test_release_page_shows_that_release_files(app, make_user):
    old, new = _publish_releases(app, make_user())

    response = app.get("/project/sample-project/1.0/")
    page = elements(response)

    assert "Sample.Project 1.0" in page.text
    for dist in old:
        assert dist.sha256 in page.text
        assert dist.filename in page.text
        file_link = next(
            a["href"] for a in page.find("a") if (a.get("href") or "").endswith(dist.filename)
        )
        assert app.get(file_link).body == dist.content
    assert new[0].sha256 not in page.text


def test_yanked_release_is_marked(app, make_user, session):
    _publish_releases(app, make_user())
    yank(session, "sample-project", "2.0", "Broken on Windows")

    latest = elements(app.get("/project/sample-project/"))
    yanked = elements(app.get("/project/sample-project/2.0/"))

    # The newest release that is not yanked is the one shown by default.
    assert "Sample.Project 1.0" in latest.text
    assert "yanked" in latest.text
    assert "This release is yanked: Broken on Windows." in yanked.text


def test_unknown_project_or_release_is_not_found_and_other_spellings_redirect(app, make_user):
    publish(app, make_user(), build_wheel("Sample.Project", "1.0"))

    for url in ["/project/no-such-project/", "/project/sample-project/9.9/", "/project/no/1.0/"]:
        response = app.get(url, status=404)
        assert "Not found" in elements(response).text, url
        assert "Location" not in response.headers

    for url, target in [
        ("/project/Sample_Project/", "/project/sample-project/"),
        ("/project/Sample_Project/1.0/", "/project/sample-project/1.0/"),
    ]:
        response = app.get(url, status=301)
        assert urlsplit(response.location).path == target
