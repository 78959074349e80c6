"""Writing a query's result to a file for an analyst: the platform writes it (the governed connection can
write no file), as CSV (UTF-8 with a BOM, so that Excel opens Chinese text correctly), XLSX or Parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

XLSX_MAX_ROWS = 1_048_575       # Excel's sheet limit, less the header


def write_table(table: pa.Table, path: Path, fmt: str) -> int:
    """``table`` to ``path`` in ``fmt`` (csv, xlsx, parquet); returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif fmt == "csv":
        import pyarrow.csv as pcsv

        with open(path, "wb") as fh:
            fh.write("\ufeff".encode())
            pcsv.write_csv(table, fh)
    elif fmt == "xlsx":
        if table.num_rows > XLSX_MAX_ROWS:
            raise ValueError(f"结果 {table.num_rows:,} 行超过 Excel 上限，请用 csv 或 parquet "
                             f"({table.num_rows:,} rows exceed Excel's limit: use csv or parquet)")
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("result")
        ws.append(table.column_names)
        for batch in table.to_batches(10_000):
            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                ws.append(list(row))
        wb.save(path)
    else:
        raise ValueError(f"unknown format {fmt}")
    return table.num_rows
