"""Rendering a release's long description to safe HTML.

readme_renderer renders by declared content type and sanitises its output with nh3 (an
allow-list of tags and attributes, no scripts, no event handlers, no javascript: URLs); a
description that fails to render is shown as escaped plain text rather than not at all.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

import nh3
import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt
from markupsafe import Markup


def render_description(text: str | None, content_type: str | None) -> Markup:
    """Sanitised HTML for `text`, declared as `content_type` (reST when absent, as PyPI does)."""
    if not text:
        return Markup("")
    media_type, _, params = (content_type or "text/x-rst").partition(";")
    media_type = media_type.strip().lower()
    rendered: str | None
    if media_type == "text/markdown":
        variant = "GFM"
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "variant" and value.strip():
                variant = value.strip()
        rendered = readme_renderer.markdown.render(text, variant=variant)
    elif media_type == "text/plain":
        rendered = readme_renderer.txt.render(text)
    else:
        rendered = readme_renderer.rst.render(text)
    if rendered is None:
        rendered = f"<pre>{escape(text)}</pre>"
    # readme_renderer already cleans; cleaning again costs little and keeps this module's
    # promise even if a renderer's defaults change.
    cleaned = nh3.clean(rendered, attribute_filter=_drop_outside_image_sources)
    return Markup(cleaned)  # noqa: S704 - nh3 output is sanitised HTML


def _drop_outside_image_sources(element: str, attribute: str, value: str) -> str | None:
    """Drop the `src` of images on other hosts (badges, tracking pixels); keep other values.

    No page loads anything from outside the server. The Content-Security-Policy blocks such
    images anyway; without the URL the reader's browser is never even asked, and the alt text
    shows instead.
    """
    if element == "img" and attribute == "src":
        parts = urlsplit(value.strip())
        if parts.netloc or parts.scheme not in {"", "data"}:
            return None
    return value
