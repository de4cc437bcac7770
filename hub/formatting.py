"""The one formatter of figures: a value with its status, as screen, summaries, charts and
files show it. A symbol ([c], [z], [x]) stands instead of the number; [u] follows it."""

from __future__ import annotations

import html
import math
import re

import pandas as pd

SHOWN, CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, LOW_RELIABILITY = "", "[c]", "[z]", "[x]", "[u]"
NUMBER_SHOWN = (SHOWN, LOW_RELIABILITY)  # [u] qualifies a number that is still shown


def places(percent: bool = False, decimals: int | None = None) -> int:
    """Decimal places shown: percentages to 1, counts to 0, unless `decimals` says."""
    return (1 if percent else 0) if decimals is None else decimals


def figure_text(value, status: str | None = SHOWN, *, percent: bool = False,
                decimals: int | None = None, grouping: bool = True) -> str:
    """'1,234', '12.5%', '[c]', '7 [u]'. A missing number with no symbol is [x]. `grouping`
    False drops the thousands separators (files a program reads)."""
    status = SHOWN if status is None or (not isinstance(status, str) and pd.isna(status)) \
        else status
    if status not in NUMBER_SHOWN:
        return status
    if value is None or pd.isna(value) or (isinstance(value, float) and math.isnan(value)):
        return NOT_AVAILABLE
    text = f"{float(value):{',' if grouping else ''}.{places(percent, decimals)}f}"
    text += "%" if percent else ""
    return f"{text} {LOW_RELIABILITY}" if status == LOW_RELIABILITY else text


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# Where a bare address would still become a link (GitHub Markdown's autolinks: http(s)://,
# mailto:, xmpp:, www., name@host), whatever the escapes: an invisible word joiner there
# stops it.
_AUTOLINK = re.compile(r"(?<=https)(?=:)|(?<=http|xmpp)(?=:)|(?<=mailto)(?=:)|(?<=@)"
                       r"|(?<=www)(?=\.)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def markdown_literal(text) -> str:
    """Text from a link, an extract or a reference file, made safe for Streamlit's Markdown so
    that it shows as typed: no link, image, emphasis, colour, icon or formula can come of it.
    CommonMark lets any ASCII punctuation be escaped with a backslash; autolinks are broken
    with an invisible word joiner; line breaks become spaces, so that the text cannot start
    a block of its own either."""
    joined = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).split()))
    return _PUNCTUATION.sub(r"\\\1", joined)


def plotly_literal(text) -> str:
    """Text for a Plotly label or hover, which reads a few HTML tags (<a href>, <b>, <br>):
    escaped, so that it shows as typed."""
    return html.escape(str(text), quote=False)
