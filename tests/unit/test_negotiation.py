"""PEP 691 content negotiation: the Accept header with q-values, and `?format=`."""

from __future__ import annotations

import pytest

from bastion.simple.negotiation import NotAcceptableError, SimpleFormat, choose_format

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{JSON}, {HTML}; q=0.1, text/html; q=0.01"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, SimpleFormat.LEGACY_HTML),
        ("", SimpleFormat.LEGACY_HTML),
        ("   ", SimpleFormat.LEGACY_HTML),
        (JSON, SimpleFormat.JSON),
        (HTML, SimpleFormat.HTML),
        ("text/html", SimpleFormat.LEGACY_HTML),
        ("application/vnd.pypi.simple.latest+json", SimpleFormat.JSON),
        ("application/vnd.pypi.simple.latest+html", SimpleFormat.HTML),
        (PIP_ACCEPT, SimpleFormat.JSON),
        (f"text/html, {JSON}; q=0.5", SimpleFormat.LEGACY_HTML),
        (f"text/html; q=0.2, {JSON}; q=0.5", SimpleFormat.JSON),
        (f"{JSON}; q=0, text/html", SimpleFormat.LEGACY_HTML),
        (f"{HTML}, {JSON}", SimpleFormat.JSON),  # a tie goes to JSON
        (f"text/html, {HTML}", SimpleFormat.HTML),  # then to versioned HTML
        ("*/*", SimpleFormat.LEGACY_HTML),
        ("text/*", SimpleFormat.LEGACY_HTML),
        ("application/*", SimpleFormat.JSON),
        ("APPLICATION/VND.PYPI.SIMPLE.V1+JSON ; Q=0.9", SimpleFormat.JSON),
        (f"{JSON};q=oops, text/html;q=0.1", SimpleFormat.LEGACY_HTML),
        (f"{JSON};q=7, text/html", SimpleFormat.JSON),  # clamped to 1, then the tie
    ],
)
def test_the_accept_header_picks_the_best_format(accept, chosen):
    assert choose_format(accept, None) is chosen


@pytest.mark.parametrize(
    "accept",
    ["image/png", "application/json", f"{JSON}; q=0", "text/plain, application/xml;q=0.9"],
)
def test_nothing_acceptable_is_406(accept):
    with pytest.raises(NotAcceptableError) as refused:
        choose_format(accept, None)
    assert refused.value.status_code == 406
    assert JSON in str(refused.value)


@pytest.mark.parametrize(
    ("format_param", "chosen"),
    [
        (JSON, SimpleFormat.JSON),
        (HTML, SimpleFormat.HTML),
        ("text/html", SimpleFormat.LEGACY_HTML),
        (f"  {JSON.upper()} ", SimpleFormat.JSON),
    ],
)
def test_the_format_parameter_wins_over_the_accept_header(format_param, chosen):
    assert choose_format("image/png", format_param) is chosen
    assert choose_format(PIP_ACCEPT, format_param) is chosen


def test_an_unknown_format_parameter_is_406():
    with pytest.raises(NotAcceptableError):
        choose_format(JSON, "application/json")
