"""Reading the web UI's HTML: the elements and attributes tests look for, parsed, not grepped."""

from __future__ import annotations

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag of a document as (tag, attributes), plus its visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    @property
    def text(self) -> str:
        """The document's text, whitespace collapsed."""
        return " ".join("".join(self._text).split())

    def find(self, tag: str) -> list[dict[str, str | None]]:
        """The attributes of every `tag` element."""
        return [attrs for name, attrs in self.tags if name == tag]


def elements(response) -> Elements:
    """Parse a WebTest HTML response."""
    assert response.content_type == "text/html"
    return Elements(response.text)
