"""A one-page PDF of plain text lines, written by hand (PDF 1.4: a catalog, one page, the
standard Helvetica font, one content stream), so that an ATS that takes attachments gets
the report as a file without a PDF library among our dependencies. Text outside
Windows-1252 is shown as "?"; lines are wrapped, and what does not fit the page is cut
with a last line saying so."""

from __future__ import annotations

import textwrap

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
LEADING = 15
WRAP_CHARS = 92
MAX_LINES = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    raw = bytes(b if b >= 32 else 0x20 for b in raw)
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrapped(title: str, lines: list[str]) -> list[tuple[str, int]]:
    """(text, font size) per printed line: the title larger, then the wrapped lines."""
    out = [(title, 16), ("", 11)]
    for line in lines:
        out += [(part, 11) for part in textwrap.wrap(line, WRAP_CHARS) or [""]]
    if len(out) > MAX_LINES:
        out = out[: MAX_LINES - 1] + [("(cut here: the full report is at the address above)", 11)]
    return out


def text_pdf(title: str, lines: list[str]) -> bytes:
    stream = [b"BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(), f"{LEADING} TL".encode()]
    for text, size in _wrapped(title, lines):
        stream += [f"/F1 {size} Tf".encode(), _literal(text) + b" '"]
    stream.append(b"ET")
    content = b"\n".join(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
