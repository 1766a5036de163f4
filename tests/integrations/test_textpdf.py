"""The hand-written PDF is one a reader can open: every object where the cross-reference
table says, the text escaped, what does not fit cut with a line saying so."""

from __future__ import annotations

import re

from assess.integrations.textpdf import MAX_LINES, text_pdf


def test_the_cross_reference_table_points_at_each_object():
    pdf = text_pdf("Report (draft)", ["Score 80% \\ pass", "Łódź → ok", "x" * 300])
    assert pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF\n")
    start = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[start:].startswith(b"xref\n0 6\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", pdf[start:])]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))
    stream = pdf.split(b"stream\n", 1)[1]
    assert stream[length:].startswith(b"\nendstream")
    # Parentheses and backslashes escaped; characters outside Windows-1252 shown as "?".
    assert b"(Report \\(draft\\)) '" in pdf and b"(Score 80% \\\\ pass) '" in pdf
    assert b"(?\xf3d? ? ok) '" in pdf


def test_what_does_not_fit_the_page_is_cut_with_a_line_saying_so():
    pdf = text_pdf("Long", [f"line {i}" for i in range(200)])
    assert pdf.count(b" '") == MAX_LINES and b"(cut here" in pdf
