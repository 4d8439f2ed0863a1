"""User text made inert before it reaches a page: one helper for Markdown, one for HTML.

An LA name, a scenario's name or description, a file path or an error message is data, not
markup: ``<script>``, ``<img onerror=...>`` or ``[x](javascript:...)`` in it must show as typed.

- :func:`inert` for text placed in Markdown (``display(Markdown(...))`` on the pages): every ASCII
  punctuation character is backslash-escaped, which CommonMark (and nbconvert's renderer) shows
  as the character itself; line breaks become spaces, so the text cannot start a heading, a
  list, a table row or a raw HTML block;
- :func:`inert_html` for text placed directly in HTML (``html.escape``, quotes included).

Tables rendered with a pandas ``Styler`` escape their cells and labels with ``escape="html"``
(see :func:`send_analysis.report.table`).
"""

from __future__ import annotations

import html
import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def inert(text: object) -> str:
    """``text`` for a Markdown page, shown exactly as typed and never as markup or a link."""
    flat = _LINE_BREAKS.sub(" ", str(text))
    return _PUNCTUATION.sub(r"\\\1", flat)


def inert_html(text: object) -> str:
    """``text`` for an HTML page (element content or a quoted attribute)."""
    return html.escape(str(text), quote=True)
