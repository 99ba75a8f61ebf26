"""Hostile spreadsheets: a sheet that declares a huge size, malformed workbooks.

Each file is a few kilobytes, built in memory. The reader must answer from what the
file holds (its two cells), or refuse it with a message a person can act on; it must
never try to build the sheet the file claims to have.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from matchmaking.exceptions import InvalidInput
from matchmaking.importing import tables
from tests.reliability import hostile

ROOT = Path(__file__).resolve().parents[2]


def _read_in_small_process(data: bytes, limit: int) -> subprocess.CompletedProcess[str]:
    """Read the file in a child process whose address space is capped at ``limit`` bytes."""
    code = textwrap.dedent(
        f"""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
        from matchmaking.importing import tables
        sheet = tables.read_sheet(sys.stdin.buffer.read(), "needs.xlsx", "needs")
        sys.stdout.buffer.write(json.dumps(sheet.rows).encode())
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        input=data,
        cwd=ROOT,
        capture_output=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    ("ref", "limit"),
    # CV: the unpatched reader took 1 GB (and 45-58 s); XFD: it ran out of memory.
    [("A1:CV1048576", 512 * 1024 * 1024), ("A1:XFD1048576", 1536 * 1024 * 1024)],
)
def test_a_sheet_declaring_a_huge_range_reads_its_real_cells_in_bounded_memory(
    ref: str, limit: int
) -> None:
    data = hostile.sparse_sheet(ref)
    assert len(data) < 8 * 1024

    proc = _read_in_small_process(data, limit)

    assert b"MemoryError" not in proc.stderr
    assert proc.returncode == 0, proc.stderr[-2000:].decode(errors="replace")
    assert json.loads(proc.stdout) == [{"title": "燃料电池双极板涂层"}]


def test_a_value_in_the_last_row_of_a_huge_declared_range_is_refused_in_words() -> None:
    data = hostile.sparse_sheet("A1:CV1048576", corner="远处")

    with pytest.raises(InvalidInput) as refused:
        tables.read_sheet(data, "需求.xlsx", "needs")

    assert f"超过 {tables.MAX_ROWS - 1} 行" in refused.value.message
    assert "第 1048576 行" in refused.value.message


def test_a_sheet_with_values_past_the_row_limit_is_refused_in_words() -> None:
    data = hostile.tiny_xlsx({"A1": "需求名称", "A2": "第一条", f"A{tables.MAX_ROWS + 5}": "远处"})

    with pytest.raises(InvalidInput) as refused:
        tables.read_sheet(data, "需求.xlsx", "needs")

    assert f"超过 {tables.MAX_ROWS - 1} 行" in refused.value.message
    assert "拆分" in refused.value.message


def test_a_sheet_with_values_past_the_column_limit_is_refused_in_words() -> None:
    from openpyxl.utils import get_column_letter

    far = get_column_letter(tables.MAX_COLUMNS + 1)
    data = hostile.tiny_xlsx({"A1": "需求名称", f"{far}1": "备注", "A2": "第一条"})

    with pytest.raises(InvalidInput) as refused:
        tables.read_sheet(data, "需求.xlsx", "needs")

    assert f"超过 {tables.MAX_COLUMNS} 列" in refused.value.message


def test_blank_rows_between_values_keep_the_row_numbers_true() -> None:
    data = hostile.tiny_xlsx({"A1": "需求名称", "A2": "第一条", "A9": "第二条"})

    sheet = tables.read_sheet(data, "需求.xlsx", "needs")

    numbered = {sheet.first_row + i: r for i, r in enumerate(sheet.rows) if r["title"]}
    assert numbered == {2: {"title": "第一条"}, 9: {"title": "第二条"}}


def test_a_csv_of_a_million_blank_lines_is_refused_without_building_them() -> None:
    data = "需求名称\n第一条\n".encode() + b"\n" * (tables.SHEET_ROWS + 1) + b"x\n"

    with pytest.raises(InvalidInput) as refused:
        tables.read_sheet(data, "需求.csv", "needs")

    assert "行" in refused.value.message


@pytest.mark.parametrize(
    "build", [hostile.broken_xml, hostile.entity_bomb, hostile.bad_crc], ids=lambda f: f.__name__
)
def test_a_malformed_workbook_is_refused_in_words(build: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        tables.read_sheet(build(), "需求.xlsx", "needs")  # type: ignore[operator]

    assert "Excel 文件已损坏或格式异常" in refused.value.message
