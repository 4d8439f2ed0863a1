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


# ---- the last line of defence: every page output cleaned on its way to HTML -----------------

#: The elements a page's outputs may hold: text, headings, lists, tables, appendices. No
#: script, style attribute, form, frame, image or embedded object; anything else is shown as
#: escaped text.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li",
    "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
#: Attributes kept (no ``on*`` handler, no ``style``); links only to pages, anchors, http(s)
#: and mail addresses.
ALLOWED_ATTRIBUTES = {"*": ["class", "id", "title", "colspan", "rowspan", "scope", "align",
                            "data-headline"],
                      "a": ["href"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_ANCHOR = re.compile(r'(\sid="|\shref="#)([^"]*)"')
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style\s*>", flags=re.S | re.I)
#: What a stylesheet kept from an output may not contain: a way out of the element, a fetch,
#: or script.
_UNSAFE_CSS = re.compile(r"<|url\s*\(|@import|expression\s*\(|javascript:|behavior\s*:",
                         flags=re.I)


def clean_html(fragment: str) -> str:
    """An output's HTML with nothing live left in it: elements and attributes outside
    :data:`ALLOWED_TAGS` / :data:`ALLOWED_ATTRIBUTES` are escaped to text, links keep only the
    protocols of :data:`ALLOWED_PROTOCOLS` (``javascript:`` is removed), and a ``<style>`` block
    (how a pandas table carries its alignment) is kept only when it holds plain rules.

    The pages escape user text where they write it (:func:`inert`, :func:`inert_html`,
    :func:`send_analysis.report.table`); this is applied to every output of every page by
    :func:`send_analysis.report.render.render_html`, so a page that forgot is still inert.

    >>> clean_html('<b>ok</b><script>alert(1)</script><a href="javascript:x()">y</a>')
    '<b>ok</b>&lt;script&gt;alert(1)&lt;/script&gt;<a>y</a>'
    >>> clean_html('<h3 id="a(javascript:x)">t</h3><a href="#a(javascript:x)">t</a>')
    '<h3 id="a(javascript-x)">t</h3><a href="#a(javascript-x)">t</a>'
    """
    import bleach

    styles: list[str] = []

    def keep(m: re.Match) -> str:
        if not _UNSAFE_CSS.search(m.group(1)):
            styles.append(f"<style>{m.group(1)}</style>")
        return ""

    body = _STYLE_BLOCK.sub(keep, fragment)
    cleaned = bleach.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                           protocols=ALLOWED_PROTOCOLS, strip=False, strip_comments=True)
    # an element id or an in-page link made from user text (a heading's anchor) names no scheme:
    # its colons become hyphens, in the id and the link alike, so the anchor still works
    cleaned = _ANCHOR.sub(lambda m: m.group(1) + m.group(2).replace(":", "-") + '"', cleaned)
    return "".join(styles) + cleaned
