"""A tiny document model rendered both to Markdown and to standalone HTML (no extra dependency)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    path: str  # relative to the document
    caption: str


Block = Heading | Paragraph | Table | Image


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def to_markdown(self) -> str:
        lines = [f"# {self.title}", ""]
        for b in self.blocks:
            if isinstance(b, Heading):
                lines += ["#" * b.level + " " + b.text, ""]
            elif isinstance(b, Paragraph):
                lines += [b.text, ""]
            elif isinstance(b, Table):
                lines.append("| " + " | ".join(b.header) + " |")
                lines.append("|" + "---|" * len(b.header))
                lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in b.rows]
                lines.append("")
            else:
                lines += [f"![{b.caption}]({b.path})", "", f"*{b.caption}*", ""]
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(self.title)}</title>",
                 ("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
                 "table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #bbb;padding:3px 6px}"
                 "th{background:#eee}img{max-width:100%}figcaption{font-style:italic;color:#444}</style>"),
                 f"</head><body><h1>{e(self.title)}</h1>"]
        for b in self.blocks:
            if isinstance(b, Heading):
                parts.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
            elif isinstance(b, Paragraph):
                parts.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Table):
                head = "".join(f"<th>{e(h)}</th>" for h in b.header)
                body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in b.rows)
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            else:
                parts.append(f"<figure><img src='{e(b.path)}' alt='{e(b.caption)}'>"
                             f"<figcaption>{e(b.caption)}</figcaption></figure>")
        parts.append("</body></html>")
        return "\n".join(parts)
