from __future__ import annotations

from html.parser import HTMLParser

from medvlp.demo.document import Document, Heading, Image, Paragraph, Table


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def make() -> Document:
    doc = Document("Report <1>")
    doc.add(Heading("Stages"))
    doc.add(Paragraph("a & b"))
    doc.add(Table(["x", "y|z"], [["1", "a|b"], ["2", "<c>"]]))
    doc.add(Image("plots/roc.png", "ROC curve"))
    return doc


def test_markdown_escapes_table_pipes_and_keeps_structure() -> None:
    md = make().to_markdown()
    lines = md.splitlines()
    assert lines[0] == "# Report <1>"
    assert "## Stages" in lines
    assert "| 1 | a\\|b |" in lines  # a pipe inside a cell must not split the column
    assert "|---|---|" in lines
    assert "![ROC curve](plots/roc.png)" in md


def test_html_is_escaped_and_well_formed() -> None:
    out = make().to_html()
    assert "<c>" not in out and "&lt;c&gt;" in out and "a &amp; b" in out
    parser = _Collect()
    parser.feed(out)
    assert parser.tags.count("tr") == 3 and parser.tags.count("img") == 1 and "h2" in parser.tags
    assert "Report <1>" in "".join(parser.text)
