"""A partnership representative takes their local slice away, as CSV and as Excel.

The files are really downloaded by the browser, then opened as anyone would (pandas, openpyxl),
and compared with the screen: the headline figures the representative sees on the overview, and
the preview of every table on the Local slices page.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from hub.contract import LOCALITIES
from hub.slices import TABLES_BY_NAME

pytestmark = pytest.mark.e2e

OWN = LOCALITIES["E07000133"]  # Melton
COUNTY = "Leicestershire (county)"
PERIOD_START = "2019-04-01"  # the demo's default period: its last six whole months


def _text(value) -> str:
    """A cell of a file as the preview writes it: dates as 2019-04-01, whole numbers without
    decimals, other numbers to one place, symbols as they are, blanks empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return str(value)


def _as_shown(part: pd.DataFrame) -> pd.DataFrame:
    """A file's tidy rows as the screen shows them: a measure's symbol (its status column) in
    place of the number it hides."""
    out = part.copy()
    for column in [c for c in part.columns if f"{c}_status" in part.columns]:
        status = part[f"{column}_status"]
        out[column] = status.where(status != "", part[column])
    return out


def _plain(figure: str) -> str:
    """A figure as written on screen ('1,008', '42.3%') or in a file ('1008', '42.3')."""
    return figure.replace(",", "").removesuffix("%").strip()


def _previews(dashboard) -> dict[str, list[list[str]]]:
    """{table name: the rows of its preview the page has drawn, header first}, in page order.

    Streamlit draws tables on a canvas and keeps an accessible copy of the drawn rows in a
    <table>. Each preview follows its table's heading (anchor slice_<name>)."""
    page = dashboard.page
    names = [anchor.removeprefix("slice_") for anchor in page.locator(
        "h3[id^=slice_]").evaluate_all("headings => headings.map(h => h.id)")]
    grids = page.get_by_test_id("stDataFrame")
    assert grids.count() == len(names), "a table without its preview, or the reverse"
    shown = {}
    for name, grid in zip(names, grids.all()):
        grid.scroll_into_view_if_needed()
        rows = grid.locator("table tr")
        rows.nth(1).wait_for(state="attached")
        shown[name] = rows.evaluate_all(
            "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))")
    return shown


def _download(dashboard, button: str, folder) -> tuple[str, bytes]:
    with dashboard.page.expect_download() as started:
        dashboard.page.get_by_role("button", name=button).click()
    download = started.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path.read_bytes()


def test_partnership_downloads_an_excel_and_a_csv_slice(partnership, tmp_path):
    dashboard = partnership  # Melton's representative (conftest warms their slice up)
    dashboard.open("/")
    on_overview = dashboard.metrics()

    dashboard.open("/local-slices?print=1")  # the print view: every table's preview
    assert dashboard.errors() == []
    csv_name, csv_bytes = _download(dashboard, "Download CSV", tmp_path)
    xlsx_name, xlsx_bytes = _download(dashboard, "Download Excel", tmp_path)
    assert csv_name == "melton-2019-04-to-2019-09-local-slice.csv"
    assert xlsx_name == "melton-2019-04-to-2019-09-local-slice.xlsx"

    # The CSV opens with pandas, as its header says.
    csv_text = csv_bytes.decode("utf-8-sig")
    assert f"# Locality: {OWN}" in csv_text
    stacked = pd.read_csv(io.StringIO(csv_text), comment="#", dtype=str,
                          keep_default_na=False)
    assert set(stacked["locality"]) <= {OWN, COUNTY}
    other_districts = [name for name in LOCALITIES.values() if name != OWN and name in csv_text]
    assert other_districts == [], "a partnership's file names other districts"

    # The Excel opens with openpyxl: a Read me, then a sheet per table (header on row 2).
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes), read_only=True)
    assert book.sheetnames[0] == "Read me"
    sheets = {}
    for sheet in book.worksheets[1:]:
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
        sheets[sheet.title] = rows

    # Both files hold the same figures, table by table (the CSV stacks the tables; a column
    # of another table is empty).
    by_table = {name: part.drop(columns="table") for name, part
                in stacked.groupby("table", sort=False)}
    assert len(sheets) == len(by_table)
    for (name, part), (title, rows) in zip(by_table.items(), sheets.items()):
        assert TABLES_BY_NAME[name].title.startswith(title), (name, title)
        header, body = rows[0], rows[1:]
        columns = [c for c in header if c]
        others = part.drop(columns=columns)
        assert (others == "").all().all(), f"{name}: CSV columns missing from the Excel sheet"
        excel = [row[:len(columns)] for row in body]
        assert excel == part[columns].values.tolist(), f"{name}: CSV and Excel differ"

    # The files match the screen: every table's preview on the Local slices page ...
    previews = _previews(dashboard)
    assert list(previews) == list(by_table)
    for name, part in by_table.items():
        header, rows = previews[name][0], previews[name][1:]
        assert rows, f"no preview of {name}"
        in_file = _as_shown(part)[header].values.tolist()
        assert rows == in_file[:len(rows)], f"{name}: the file differs from its preview"

    # ... and the headline figures the representative sees on the overview: Melton's, and the
    # county's for a figure the data cannot give by locality (convictions), on both.
    headline = _as_shown(by_table["headline"])
    period = headline[headline["period_start"] == PERIOD_START]
    own = period[period["locality"] == OWN]
    county_only = period[~period["figure"].isin(own["figure"])]
    shown = pd.concat([own, county_only]).sort_index()
    in_file = dict(zip(shown["figure"], shown["value"]))
    assert list(in_file) == list(on_overview)
    assert {k: _plain(v) for k, v in in_file.items()} == \
        {k: _plain(v) for k, v in on_overview.items()}
