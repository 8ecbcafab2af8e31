"""The home page: a count of projects, and `?q=` search over project names and summaries."""

from __future__ import annotations

import pytest

from tests.factories.dists import build_wheel
from tests.simple.publishing import publish
from tests.web.pages import elements


@pytest.fixture
def projects(app, make_user):
    publish(
        app,
        make_user(),
        build_wheel("Frobnicator", "1.0", summary="Turns widgets into gadgets"),
        build_wheel("widget-tools", "1.0", summary="Helpers"),
        build_wheel("percent_sign", "1.0", summary="Nothing to see"),
    )


def _results(app, query: str) -> list[tuple[str | None, str]]:
    page = elements(app.get("/", params={"q": query}))
    links = [attrs.get("href") for attrs in page.find("a")]
    return [href for href in links if href and href.startswith("/project/")]


@pytest.mark.usefixtures("projects")
def test_home_page_counts_projects(app):
    assert "3 projects on this index" in elements(app.get("/")).text


@pytest.mark.usefixtures("projects")
def test_search_finds_projects_by_name(app):
    assert _results(app, "frobni") == ["/project/frobnicator/"]
    assert _results(app, "WIDGET-TOOLS") == ["/project/widget-tools/"]


@pytest.mark.usefixtures("projects")
def test_search_finds_projects_by_summary(app):
    # "widget" is in one project's name and the other's summary.
    assert _results(app, "gadgets") == ["/project/frobnicator/"]
    assert sorted(_results(app, "widget")) == ["/project/frobnicator/", "/project/widget-tools/"]


@pytest.mark.usefixtures("projects")
def test_search_without_match_says_so(app):
    page = elements(app.get("/", params={"q": "nonexistent"}))

    assert "No project matches “nonexistent”" in page.text


@pytest.mark.usefixtures("projects")
def test_like_wildcards_in_a_query_match_literally(app):
    assert _results(app, "%") == []
    assert _results(app, "t_o") == []


@pytest.mark.usefixtures("projects")
def test_query_is_escaped_in_the_page(app):
    query = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

    response = app.get("/", params={"q": query})
    page = elements(response)

    assert page.find("script") == []
    assert page.find("img") == []
    assert query in page.text
    search_box = next(attrs for attrs in page.find("input") if attrs.get("name") == "q")
    assert search_box["value"] == query
