"""Cells that a spreadsheet shows as text: every CSV the hiring team downloads goes through
`csv_safe` (the results export, the candidate list)."""

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


# A spreadsheet opened with another separator (";" in much of Europe, a tab, a pipe) splits
# a cell again: whatever follows a separator starts a cell of its own.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t|\r\n]\s*)(?=[=+\-@])")


def csv_safe(value) -> object:
    """A cell a spreadsheet shows as text: a string starting like a formula, or holding one
    right after a separator, gets an apostrophe before it (OWASP's advice for CSV
    injection); every cell is also quoted. Numbers stay numbers."""
    if not isinstance(value, str):
        return value
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value
