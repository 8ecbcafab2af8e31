"""Rendering sample descriptions once in the sandbox's fork server, so no inspection child has to.

docutils, readme_renderer and Pygments import much of themselves on first use: the reader,
the language module, each directive and transform, one lexer module per highlighted language,
and `importlib.metadata` to look up plugin lexers; zipfile imports the cp437 codec for member
names. In a fresh child per inspection, that first use came on every upload: 250-500 ms of
imports for a 30 ms inspection (measured with benchmarks/inspect.py). `sandbox` preloads this
module into its fork server, where the samples below are rendered once; every child forked
from it inherits those modules already imported.

The samples are Bastion's own, trusted text: nothing an upload sends is rendered here.
"""

from __future__ import annotations

import encodings.cp437  # noqa: F401 - zipfile decodes non-UTF-8 member names with it
import io

from readme_renderer import markdown, rst

# The languages real descriptions highlight most (the top 200 projects' READMEs).
_LANGUAGES = (
    "python",
    "pycon",
    "bash",
    "console",
    "shell",
    "text",
    "json",
    "yaml",
    "toml",
    "ini",
    "html",
    "javascript",
    "sql",
    "rst",
    "markdown",
    # A name Pygments does not know: the lookup then goes through the plugin lexers.
    "no-such-language",
)
_RST = "\n".join(
    [
        "Title",
        "=====",
        "",
        ".. contents::",
        "",
        "Section",
        "-------",
        "",
        "Text with a `link <https://example.org>`_, a ref_ and ``code``.",
        "",
        ".. _ref: https://example.org",
        "",
        ".. note:: An admonition.",
        "",
        ".. image:: https://example.org/badge.svg",
        "   :target: https://example.org",
        "",
        "+---+---+",
        "| a | b |",
        "+---+---+",
        "",
        ".. list-table::",
        "",
        "   * - a",
        "     - b",
        "",
        ".. |sub| replace:: text",
        "",
        *(f".. code-block:: {language}\n\n   x = 1\n" for language in _LANGUAGES),
        "",
    ]
)
_MARKDOWN = "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" + "".join(
    f"```{language}\nx = 1\n```\n\n" for language in _LANGUAGES
)


def warm_up() -> None:
    """Render the samples, importing whatever rendering real descriptions will need."""
    rst.render(_RST, stream=io.StringIO())
    markdown.render(_MARKDOWN)


warm_up()
