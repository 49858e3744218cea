"""HTML to plain text with the standard library's `html.parser`: the readable text of a page, no markup.

Script, style and other non-content elements are dropped; block elements (paragraphs, headings, list
items, table rows, line breaks) become line breaks so sentences of neighbouring blocks do not run
together; entities are decoded; runs of whitespace inside a block collapse to one space, except in
<pre>, which is kept as written.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
_KEEP_IN_HEAD = {"title"}
_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
    "tr", "form", "fieldset", "figure", "figcaption", "hr", "address", "details", "summary", "title",
}  # fmt: skip
_CELL = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0  # inside elements whose text is not content
        self.pre_depth = 0
        self.in_head_keep = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _KEEP_IN_HEAD and self.skip_depth:
            self.in_head_keep += 1
            self.skip_depth -= 1  # text of <title> counts although <head> is skipped
            self.out.append("\n\n")
            return
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _CELL:
            self.out.append(" | ")
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _KEEP_IN_HEAD and self.in_head_keep:
            self.in_head_keep -= 1
            self.skip_depth += 1
            self.out.append("\n\n")
        elif tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self.out.append("\n\n")
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.out.append(data.replace("\n", "\0") if self.pre_depth else _SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """The visible text of an HTML document or fragment (str in, str out; never raises on bad markup)."""
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip(" ") for line in text.split("\n")]
    text = "\n".join(lines).replace("\0", "\n")
    return _BLANK_LINES.sub("\n\n", text).strip()
