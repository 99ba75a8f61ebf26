"""Builders of hostile spreadsheets, made in memory: each is a few kilobytes."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def tiny_xlsx(cells: dict[str, object]) -> bytes:
    """A real workbook with just these cells (``{"A1": "需求名称"}``)."""
    wb = Workbook()
    ws = wb.active
    for ref, value in cells.items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with one member's bytes replaced by ``change(old)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == name:
                body = change(body)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def declaring(data: bytes, ref: str, corner: str = "") -> bytes:
    """The workbook with its first sheet claiming the used range ``ref``.

    The range's last cell is added too, empty (as a formatted cell is) or holding
    ``corner``: a reader that believes the range fills every row in between.
    """
    last = ref.split(":")[1]
    row = re.sub(r"[A-Z]", "", last)
    value = (
        f'<c r="{last}" t="inlineStr"><is><t>{corner}</t></is></c>'
        if corner
        else (f'<c r="{last}" s="0"/>')
    )

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
        return xml.replace(b"</sheetData>", f'<row r="{row}">{value}</row></sheetData>'.encode())

    return rewrite_member(data, SHEET, change)


def sparse_sheet(ref: str, corner: str = "") -> bytes:
    """A header and one value in a sheet that declares ``ref`` as its size."""
    return declaring(tiny_xlsx({"A1": "需求名称", "A2": "燃料电池双极板涂层"}), ref, corner)


def broken_xml() -> bytes:
    """The sheet's XML is cut in the middle of a row."""
    data = tiny_xlsx({"A1": "需求名称", "A2": "燃料电池双极板涂层"})
    return rewrite_member(data, SHEET, lambda xml: xml[: xml.index(b'<row r="2"') + 12])


def entity_bomb() -> bytes:
    """ "Billion laughs": ten levels of entities, each ten of the one below (10^9 "lol")."""
    levels = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        below = f"&lol{i - 1};"
        levels.append(f'<!ENTITY lol{i} "{below * 10}">')
    doctype = "<!DOCTYPE worksheet [" + "".join(levels) + "]>"
    data = tiny_xlsx({"A1": "需求名称", "A2": "placeholder"})

    def change(xml: bytes) -> bytes:
        text = xml.decode().replace("placeholder", "&lol9;")
        return (doctype + text).encode()

    return rewrite_member(data, SHEET, change)


def bad_crc() -> bytes:
    """One byte of the sheet's stored data flipped: the member's CRC-32 no longer matches."""
    data = tiny_xlsx({"A1": "需求名称", "A2": "燃料电池双极板涂层"})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            # Stored (not deflated), so that a flipped byte still decompresses.
            dst.writestr(info.filename, src.read(info.filename), compress_type=zipfile.ZIP_STORED)
    raw = bytearray(out.getvalue())
    # Inside the sheet's cells, whichever way openpyxl spelled the text (UTF-8 or
    # character references, depending on whether lxml is installed).
    at = raw.index(b"<sheetData>") + len(b"<sheetData>") + 3
    raw[at] ^= 0x01
    return bytes(raw)
