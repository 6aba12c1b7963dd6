"""A small writer of .xlsx workbooks made of tables, fast and byte for byte reproducible.

report.xlsx is one sheet per table, tens of thousands of rows at scale. A general writer
spends most of its time per cell (validating, storing and serialising each cell on its
own); here a sheet's cells are rendered a column at a time, each column in one pass over
its values, and the rows are joined once. The package is what Excel, LibreOffice and
openpyxl read (SpreadsheetML, ECMA-376): shared strings, one style sheet with the report's
fixed cell styles, frozen header row, autofilter, column widths, row heights, and print
set-up (paper, orientation, fit to page width, margins, page header and footer, repeated
header row). Nothing reads the clock: every zip member carries 1980-01-01 and the
``created`` property is given by the caller.

Only what the report needs is supported: cells are numbers, booleans or text, each with
one of :data:`STYLES`.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

#: Cell styles, by name; a cell's ``s`` attribute is the position in this tuple.
STYLES: tuple[str, ...] = ("default", "top", "wrap", "bold_top", "header", "bold", "money",
                           "share", "ratio", "price", "number", "integer")
_STYLE = {name: k for k, name in enumerate(STYLES)}

#: Longest text of one cell (Excel's limit, in UTF-16 code units).
CELL_LIMIT = 32767

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: zlib level of every part: the fastest. The sheets of a 10,000-project report are ~8 MB
#: of XML; level 1 deflates them in a quarter of level 6's CPU time for an 18% larger file.
ZIP_LEVEL = 1


def _attr(text: str) -> str:
    """``text`` escaped for a double-quoted XML attribute."""
    return escape(text, {'"': "&quot;"})


def style(name: str) -> int:
    """Index of the cell style ``name`` (one of :data:`STYLES`)."""
    return _STYLE[name]


def column_letter(index: int) -> str:
    """Spreadsheet column name of the 0-based ``index``.

    Examples
    --------
    >>> [column_letter(k) for k in (0, 25, 26, 701, 702)]
    ['A', 'Z', 'AA', 'ZZ', 'AAA']
    """
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text_xml(text: str) -> str:
    """``text`` as the content of a ``<t>`` element: escaped, control characters as _xHHHH_."""
    if len(text) > CELL_LIMIT // 2 and len(text.encode("utf-16-le")) // 2 > CELL_LIMIT:
        cut = text.encode("utf-16-le")[: 2 * CELL_LIMIT].decode("utf-16-le", errors="ignore")
        text = cut
    if "_x" in text:
        text = _ESCAPED.sub(r"_x005F\1", text)
    if not text.isprintable():
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    body = escape(text)
    if body[:1].isspace() or body[-1:].isspace():
        return f'<t xml:space="preserve">{body}</t>'
    return f"<t>{body}</t>"


def _number_texts(numbers: list[float]) -> list[str]:
    """``f"{v:.16G}"`` of every number, formatted in one ``%`` operation (twice as fast).

    Examples
    --------
    >>> _number_texts([0.0, -1.5, 1e-7, 1 / 3])
    ['0', '-1.5', '1E-07', '0.3333333333333333']
    """
    if not numbers:
        return []
    return ("\n".join(["%.16G"] * len(numbers)) % tuple(numbers)).split("\n")


#: Columns at least this long are rendered one distinct value at a time.
_DISTINCT_FROM = 64


def _repeats(values: Sequence[str]) -> bool:
    """True when a sample of about 256 of ``values``, spread over them, has repeats."""
    sample = values[:: max(1, len(values) // 256)]
    return 4 * len(set(sample)) <= 3 * len(sample)


def _cells(letter: str, first_row: int, tails: Sequence[str | None],
           codes: np.ndarray) -> list[str]:
    """Cell ``i`` is ``<c r="{letter}{first_row + 1 + i}`` and ``tails[codes[i]]``.

    A ``None`` tail (or a code of -1) is an empty cell, ``""``.
    """
    table = np.empty(len(tails) + 1, dtype=object)
    table[:-1] = tails
    table[-1] = None  # code -1
    ends = table[codes].tolist()
    rows = range(first_row + 1, first_row + 1 + len(ends))
    if None in tails or bool((codes < 0).any()):
        return [f'<c r="{letter}{r}{t}' if t is not None else "" for r, t in zip(rows, ends, strict=True)]
    return [f'<c r="{letter}{r}{t}' for r, t in zip(rows, ends, strict=True)]


@dataclass
class Sheet:
    """One worksheet: cells by column, layout and print set-up.

    Attributes
    ----------
    name : str
        Sheet name (valid and unique: the caller's :func:`~missionfinance.report.xlsx.sheet_name`).
    rows : int
        Rows written (header included).
    columns : list of list of str
        Per column, the XML of each row's cell (``""`` for an empty cell), as
        :meth:`Workbook.numbers`, :meth:`Workbook.texts` and :meth:`Workbook.booleans` give.
    widths : list of (float, str or None)
        Per column, its width in characters and its default style.
    heights : dict of int to float
        Row (0-based) → height in points, where a row needs more than the default.
    """

    name: str
    rows: int = 0
    columns: list[list[str]] = field(default_factory=list)
    widths: list[tuple[float, str | None]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    freeze_header: bool = True
    autofilter: bool = False
    repeat_header: bool = False
    landscape: bool = True
    margins: tuple[float, float, float, float] = (0.7, 0.7, 0.75, 0.75)
    header: str = ""
    footer: str = ""


class Workbook:
    """Sheets and the shared strings they use; :meth:`to_bytes` gives the .xlsx file."""

    def __init__(self, title: str = "", subject: str = "", author: str = "",
                 created: dt.datetime | None = None) -> None:
        self.title, self.subject, self.author = title, subject, author
        self.created = created or dt.datetime(2000, 1, 1)
        self.sheets: list[Sheet] = []
        self._strings: dict[str, int] = {}

    # ------------------------------------------------------------------ cells
    def texts(self, column: int, values: Sequence[str], style_name: str | None = None,
              first_row: int = 0) -> list[str]:
        """Cells of text ``values`` (``""`` stays empty) in ``column`` from ``first_row``."""
        letter = column_letter(column)
        strings = self._strings
        s = "" if style_name is None else f' s="{_STYLE[style_name]}"'
        if len(values) >= _DISTINCT_FROM and _repeats(values):
            # each distinct text is looked up (or added, in order of first use) once
            codes, distinct = pd.factorize(np.asarray(values, dtype=object))
            return self._coded(letter, s, first_row, distinct.tolist(), codes)
        out = []
        for row, text in enumerate(values, start=first_row + 1):
            if not text:
                out.append("")
                continue
            index = strings.get(text)
            if index is None:
                index = strings[text] = len(strings)
            out.append(f'<c r="{letter}{row}"{s} t="s"><v>{index}</v></c>')
        return out

    def coded_texts(self, column: int, codes: np.ndarray, texts: Sequence[str],
                    style_name: str | None = None, first_row: int = 0) -> list[str]:
        """Cells of ``texts[codes[i]]`` (as :meth:`texts` of those values gives them)."""
        s = "" if style_name is None else f' s="{_STYLE[style_name]}"'
        # the distinct texts in order of first use, so shared strings are numbered as
        # :meth:`texts` numbers them
        order, used = pd.factorize(np.asarray(codes))
        table = np.empty(len(texts), dtype=object)
        table[:] = texts
        return self._coded(column_letter(column), s, first_row,
                           table[np.asarray(used)].tolist(), order)

    def _coded(self, letter: str, s: str, first_row: int, distinct: list[str],
               codes: np.ndarray) -> list[str]:
        """Text cells ``distinct[codes[i]]``; ``distinct`` is in order of first use."""
        strings = self._strings
        tails: list[str | None] = []
        for text in distinct:
            if not text:
                tails.append(None)
                continue
            index = strings.get(text)
            if index is None:
                index = strings[text] = len(strings)
            tails.append(f'"{s} t="s"><v>{index}</v></c>')
        return _cells(letter, first_row, tails, codes)

    @staticmethod
    def numbers(column: int, values: np.ndarray, styles: str | Sequence[str],
                first_row: int = 0) -> list[str]:
        """Cells of the floats ``values`` (NaN stays empty), 16 significant digits.

        ``styles`` is one style for the column or one per row.
        """
        letter = column_letter(column)
        values = np.asarray(values, dtype="float64")
        if len(values) >= _DISTINCT_FROM:
            # each distinct value (by its bits: -0 is not 0) is formatted once
            codes, bits = pd.factorize(values.view(np.int64), use_na_sentinel=False)
            distinct = np.asarray(bits, dtype=np.int64).view(np.float64)
        else:
            codes, distinct = np.arange(len(values)), values
        texts = _number_texts(distinct.tolist())
        finite = np.isfinite(distinct).tolist()
        if isinstance(styles, str):
            s = _STYLE[styles]
            tails = [f'" s="{s}"><v>{v}</v></c>' if ok else None
                     for v, ok in zip(texts, finite, strict=True)]
            return _cells(letter, first_row, tails, codes)
        rows = range(first_row + 1, first_row + 1 + len(values))
        return [f'<c r="{letter}{r}" s="{_STYLE[st]}"><v>{texts[c]}</v></c>' if finite[c] else ""
                for r, c, st in zip(rows, codes.tolist(), styles, strict=True)]

    @staticmethod
    def booleans(column: int, values: Sequence[object], first_row: int = 0) -> list[str]:
        """Cells of booleans (None stays empty)."""
        letter = column_letter(column)
        return ["" if v is None else f'<c r="{letter}{r}" t="b"><v>{1 if v else 0}</v></c>'
                for r, v in enumerate(values, start=first_row + 1)]

    # ------------------------------------------------------------------ package
    def _sheet_xml(self, sheet: Sheet, selected: bool) -> str:
        ncols = len(sheet.columns)
        last = f"{column_letter(max(ncols, 1) - 1)}{max(sheet.rows, 1)}"
        tab = ' tabSelected="1"' if selected else ""
        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
                 f'<dimension ref="A1:{last}"/>',
                 f'<sheetViews><sheetView{tab} workbookViewId="0">']
        if sheet.freeze_header:
            parts.append('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                         'state="frozen"/><selection pane="bottomLeft"/>')
        parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if sheet.widths:
            parts.append("<cols>")
            for k, (width, col_style) in enumerate(sheet.widths, start=1):
                stored = int((int(width * 7 + 0.5) + 5) / 7 * 256) / 256 if width >= 1 else width
                s = "" if col_style is None else f' style="{_STYLE[col_style]}"'
                parts.append(f'<col min="{k}" max="{k}" width="{stored:.16G}"{s} '
                             'customWidth="1"/>')
            parts.append("</cols>")
        parts.append("<sheetData>")
        heights = sheet.heights
        if any("" not in cells for cells in sheet.columns):
            # a column without an empty cell: no row is empty, every row is written, its
            # cells joined once with the rest of the sheet (no string per row)
            rows = len(sheet.columns[0])
            starts = [f'<row r="{i}">' for i in range(1, rows + 1)]
            for i, tall in heights.items():
                if 0 <= i < rows:
                    starts[i] = f'<row r="{i + 1}" ht="{tall:.16G}" customHeight="1">'
            parts.extend(itertools.chain.from_iterable(zip(
                starts, *sheet.columns, itertools.repeat("</row>", rows), strict=True)))
        else:
            for i, cells in enumerate(zip(*sheet.columns, strict=True)):
                body = "".join(cells)
                height = heights.get(i)
                if height is not None:
                    parts.append(f'<row r="{i + 1}" ht="{height:.16G}" '
                                 f'customHeight="1">{body}</row>')
                elif body:
                    parts.append(f'<row r="{i + 1}">{body}</row>')
        parts.append("</sheetData>")
        if sheet.autofilter and ncols:
            parts.append(f'<autoFilter ref="A1:{last}"/>')
        left, right, top, bottom = sheet.margins
        parts.append(f'<pageMargins left="{left}" right="{right}" top="{top}" '
                     f'bottom="{bottom}" header="0.3" footer="0.3"/>')
        orientation = "landscape" if sheet.landscape else "portrait"
        parts.append(f'<pageSetup paperSize="9" fitToHeight="0" orientation="{orientation}"/>')
        if sheet.header or sheet.footer:
            parts.append("<headerFooter>")
            if sheet.header:
                parts.append(f"<oddHeader>{escape(sheet.header)}</oddHeader>")
            if sheet.footer:
                parts.append(f"<oddFooter>{escape(sheet.footer)}</oddFooter>")
            parts.append("</headerFooter>")
        parts.append("</worksheet>")
        return "".join(parts)

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{k}" r:id="rId{k}"/>'
                         for k, s in enumerate(self.sheets, start=1))
        names = []
        for k, s in enumerate(self.sheets):
            quoted = escape("'" + s.name.replace("'", "''") + "'")
            if s.autofilter and s.columns:
                last = f"${column_letter(len(s.columns) - 1)}${max(s.rows, 1)}"
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" '
                             f'hidden="1">{quoted}!$A$1:{last}</definedName>')
            if s.repeat_header:
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">'
                             f"{quoted}!$1:$1</definedName>")
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<workbookPr/><bookViews><workbookView/></bookViews>'
                f"<sheets>{sheets}</sheets>{defined}"
                '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

    def _strings_xml(self) -> str:
        texts = list(self._strings)
        joined = "\x00".join(texts)
        if (texts and "".join(texts).isprintable() and "_x" not in joined
                and max(map(len, texts)) <= CELL_LIMIT // 2
                and not any(t[:1].isspace() or t[-1:].isspace() for t in texts)):
            # no text to cut, no _xHHHH_ look-alike, no control character and no space
            # at either end: every text escaped at once, as :func:`_text_xml` escapes it
            items = "<si><t>" + escape(joined).replace("\x00", "</t></si><si><t>") + "</t></si>"
        else:
            items = "".join(f"<si>{_text_xml(text)}</si>" for text in texts)
        n = len(self._strings)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{n}" uniqueCount="{n}">{items}</sst>')

    def _core_xml(self) -> str:
        when = self.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:title>{escape(self.title)}</dc:title>"
                f"<dc:subject>{escape(self.subject)}</dc:subject>"
                f"<dc:creator>{escape(self.author)}</dc:creator>"
                f"<cp:lastModifiedBy>{escape(self.author)}</cp:lastModifiedBy>"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
                "</cp:coreProperties>")

    def _content_types(self) -> str:
        main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = [("/docProps/app.xml",
                      "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
                     ("/docProps/core.xml",
                      "application/vnd.openxmlformats-package.core-properties+xml"),
                     ("/xl/styles.xml", f"{main}.styles+xml"),
                     ("/xl/workbook.xml", f"{main}.sheet.main+xml")]
        overrides += [(f"/xl/worksheets/sheet{k}.xml", f"{main}.worksheet+xml")
                      for k in range(1, len(self.sheets) + 1)]
        overrides.append(("/xl/sharedStrings.xml", f"{main}.sharedStrings+xml"))
        body = "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                f"{body}</Types>")

    def _workbook_rels(self) -> str:
        kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        rels = [(f"rId{k}", "worksheet", f"worksheets/sheet{k}.xml")
                for k in range(1, len(self.sheets) + 1)]
        n = len(self.sheets)
        rels += [(f"rId{n + 1}", "styles", "styles.xml"),
                 (f"rId{n + 2}", "sharedStrings", "sharedStrings.xml")]
        body = "".join(f'<Relationship Id="{i}" Type="{kind}/{t}" Target="{target}"/>'
                       for i, t, target in rels)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships">{body}</Relationships>')

    def to_bytes(self, formats: dict[str, str]) -> bytes:
        """The .xlsx file; ``formats`` maps the number styles to their format codes."""
        parts = [("[Content_Types].xml", self._content_types()),
                 ("_rels/.rels", _ROOT_RELS),
                 ("xl/_rels/workbook.xml.rels", self._workbook_rels())]
        parts += [(f"xl/worksheets/sheet{k}.xml", self._sheet_xml(s, k == 1))
                  for k, s in enumerate(self.sheets, start=1)]
        parts += [("xl/workbook.xml", self._workbook_xml()),
                  ("xl/sharedStrings.xml", self._strings_xml()),
                  ("xl/styles.xml", _styles_xml(formats)),
                  ("docProps/core.xml", self._core_xml()),
                  ("docProps/app.xml", _APP)]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in parts:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                archive.writestr(info, text.encode("utf-8"), compresslevel=ZIP_LEVEL)
        return buffer.getvalue()


_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
              '2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
              '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
              'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
              '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/'
              '2006/relationships/extended-properties" Target="docProps/app.xml"/>'
              "</Relationships>")

_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>missionfinance</Application>'
        "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>")


def _styles_xml(formats: dict[str, str]) -> str:
    """The style sheet: one cell format per entry of :data:`STYLES`.

    ``formats`` gives the number format code of ``money``, ``share``, ``ratio``,
    ``price``, ``number`` and ``integer``.
    """
    numeric = ("money", "share", "ratio", "price", "number", "integer")
    ids = {name: 164 + k for k, name in enumerate(numeric)}
    num_fmts = "".join(f'<numFmt numFmtId="{ids[n]}" formatCode="{_attr(formats[n])}"/>'
                       for n in numeric)
    plain = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"'
    xfs = {
        "default": f"{plain}/>",
        "top": f'{plain} applyAlignment="1"><alignment vertical="top"/></xf>',
        "wrap": f'{plain} applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>',
        "bold_top": '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
                    'applyFont="1" applyAlignment="1"><alignment vertical="top"/></xf>',
        "header": '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
                  'applyFill="1" applyBorder="1"/>',
        "bold": '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
    }
    xfs.update({n: f'<xf numFmtId="{ids[n]}" fontId="0" fillId="0" borderId="0" xfId="0" '
                   'applyNumberFormat="1"/>' for n in numeric})
    cell_xfs = "".join(xfs[name] for name in STYLES)
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(numeric)}">{num_fmts}</numFmts>'
            f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFF3F2F1"/>'
            '<bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom>'
            "<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(STYLES)}">{cell_xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>')
