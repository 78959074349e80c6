"""Exchange files from other subsystems (tax bureau, agent bank, HR) → ``raw.xch_<feed>``.

Each feed has a versioned spec in ``ingest/specs/<feed>.v<N>.yaml`` (the data-exchange standard:
file name, encodings, columns, types, required fields, code sets, key). A file is read as CSV
(UTF-8 or GBK, detected), XLSX or Parquet, and checked against its spec:

- the whole file is **rejected** (moved to ``exchange/rejected/`` with a reason file, and recorded in
  ``raw.xch_file``) when it cannot be read, is empty, is truncated, has the wrong columns, is in an
  encoding other than those allowed, or belongs to no known feed;
- a **row** that breaks a rule goes to ``raw.xch_quarantine`` with the feed, file, row number, field,
  rule and message (personal data masked), and the rest of the file loads;
- a loaded file is **archived** under ``exchange/archive/<feed>/`` named by its arrival number and
  checksum; a file whose checksum was already loaded is not loaded again.

Files are moved only after the warehouse that records them has been swapped in (the caller runs
``Ingested.finish()``), so a crash mid-refresh leaves the inbox as it was. A full rebuild replays the
archive and the rejected folder in arrival order, then the inbox, and gives the same tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml
from stdnum.cn import ric

from fiscal_core.adapters.migrate import read_codeset_files

from .inbox import inbox_files
from .person_key import PersonKey

SPECS_DIR = Path(__file__).with_name("specs")
MAX_AMOUNT = Decimal("9999999999999999.99")      # DECIMAL(18,2)
_ARCHIVED = re.compile(r"^(?P<arrival>\d{6})_(?P<sha>[0-9a-f]{12})_(?P<name>.+)$")


# -- the exchange standard ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnSpec:
    header: str
    name: str
    type: str                       # string / date / decimal / code / enum / ric
    required: bool = False
    codeset: str | None = None
    min: Decimal | None = None
    values: tuple[str, ...] = ()
    pii: str | None = None          # drop / hash
    doc: str = ""

    @property
    def stored(self) -> bool:
        return self.pii != "drop"

    @property
    def arrow_type(self) -> pa.DataType:
        return {"date": pa.date32(), "decimal": pa.decimal128(18, 2)}.get(self.type, pa.string())


@dataclass(frozen=True)
class FeedSpec:
    feed: str
    version: int
    title_zh: str
    title_en: str
    sender: str
    file_pattern: re.Pattern[str]
    encodings: tuple[str, ...]
    table: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    sheet: str | None = None
    notes: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        lineage = [pa.field("file_date", pa.date32()), pa.field("file_sha256", pa.string()),
                   pa.field("row_no", pa.int64())]
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns if c.stored] + lineage)


def load_specs(folder: Path = SPECS_DIR) -> dict[str, FeedSpec]:
    """Every feed's newest spec version."""
    specs: dict[str, FeedSpec] = {}
    for path in sorted(folder.glob("*.v*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        cols = tuple(ColumnSpec(header=str(c["header"]), name=c["name"], type=c["type"],
                                required=bool(c.get("required", False)), codeset=c.get("codeset"),
                                min=Decimal(str(c["min"])) if "min" in c else None,
                                values=tuple(c.get("values", ())), pii=c.get("pii"), doc=c.get("doc", ""))
                     for c in d["columns"])
        spec = FeedSpec(feed=d["feed"], version=int(d["version"]), title_zh=d["title_zh"], title_en=d["title_en"],
                        sender=d.get("sender", ""), file_pattern=re.compile(d["file_pattern"]),
                        encodings=tuple(d.get("encodings", ["utf-8"])), table=d["table"], key=tuple(d["key"]),
                        columns=cols, sheet=d.get("sheet"), notes=d.get("notes", ""))
        if spec.feed not in specs or specs[spec.feed].version < spec.version:
            specs[spec.feed] = spec
    return specs


def spec_markdown(specs: dict[str, FeedSpec]) -> str:
    """The exchange standard as a document (``ingest/specs/README.md`` is this text; a test keeps it so)."""
    out = ["# 数据交换标准 · Data-exchange standard", "",
           "Generated from the specs in this folder by `ingest.exchange.spec_markdown` — edit the YAML, not this file.",
           "", "Files are dropped into `$FISCAL_HOME/exchange/inbox/` as CSV (UTF-8 or GBK), XLSX or Parquet. "
           "A file with the wrong columns, encoding or a truncated body is rejected whole (every line of a CSV, "
           "the last one included, ends with a line break); a row that breaks a rule is quarantined with the "
           "reason; the rest loads. The same file (by SHA-256) loads once; a key already loaded from an earlier "
           "file is quarantined (the first delivery stands).", ""]
    for s in specs.values():
        out += [f"## {s.feed} v{s.version} — {s.title_zh} · {s.title_en}", "",
                f"- 发送方 sender: {s.sender}", f"- 文件名 file name: `{s.file_pattern.pattern}`",
                f"- 编码 encodings (CSV): {', '.join(s.encodings)}" + (f"; XLSX sheet `{s.sheet}`" if s.sheet else ""),
                f"- 目标表 table: `raw.{s.table}`; 主键 key: {', '.join(s.key)}", f"- {s.notes}", "",
                "| 列名 header | field | type | required | rule | doc |", "|---|---|---|---|---|---|"]
        for c in s.columns:
            rule = (f"code set `{c.codeset}`" if c.codeset else f"one of {'/'.join(c.values)}" if c.values
                    else f"≥ {c.min}" if c.min is not None else "valid 身份证号 (GB 11643)" if c.type == "ric" else "")
            if c.pii:
                rule += (" · not stored" if c.pii == "drop" else " · stored as a keyed digest (HMAC)")
            out.append(f"| {c.header} | {c.name} | {c.type} | {'yes' if c.required else ''} | {rule} | {c.doc} |")
        out.append("")
    return "\n".join(out)


# -- reading a file -----------------------------------------------------------------------------------------
class FileRejected(Exception):
    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.rule = rule


@dataclass
class ReadFile:
    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]          # (row number in the file, values)
    encoding: str


def _decode(data: bytes, spec: FeedSpec) -> tuple[str, str]:
    """The text of a CSV file in one of the spec's encodings. A file whose only undecodable bytes are a
    multi-byte character cut off at its very end is truncated, not in a foreign encoding."""
    def cut_off(e: UnicodeDecodeError) -> bool:
        return e.end >= len(e.object) and e.reason in ("unexpected end of data", "incomplete multibyte sequence")

    truncated = False
    body, sig = (data[3:], "utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else (data, "utf-8")
    try:
        return body.decode("utf-8"), sig
    except UnicodeDecodeError as e:
        truncated = cut_off(e)
    if "gbk" in spec.encodings and sig == "utf-8" and not truncated:
        try:
            return data.decode("gbk"), "gbk"
        except UnicodeDecodeError as e:
            truncated = cut_off(e)
    if truncated:
        raise FileRejected("truncated", "文件不完整：最后一个字符被截断", "the file is truncated: its last character is cut off")
    allowed = "/".join(spec.encodings)
    raise FileRejected("encoding", f"文件编码无法识别，须为 {allowed}", f"file encoding is not one of {allowed}")


def _read_csv(data: bytes, spec: FeedSpec) -> ReadFile:
    text, enc = _decode(data, spec)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []       # (line the record starts on, values); blank lines skipped
    start = 1
    try:
        for rec in reader:
            if any(x.strip() for x in rec):
                records.append((start, rec))
            start = reader.line_num + 1
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise FileRejected("truncated", f"文件不完整：第 {start} 行起的引号字段没有结束",
                               f"the file is truncated: the quoted field from line {start} never ends") from e
        raise FileRejected("bad_csv", f"CSV 格式错误（第 {reader.line_num} 行）：{e}",
                           f"malformed CSV (line {reader.line_num}): {e}") from e
    if not records:
        raise FileRejected("empty_file", "空文件（没有表头）", "the file has no header")
    header = [h.strip() for h in records[0][1]]
    # a file cut off inside its last value can still have the right number of fields: every line, the last
    # one included, must end with a line break
    if len(records) > 1 and not text.endswith(("\n", "\r")):
        last = records[-1][0]
        raise FileRejected("truncated", f"文件不完整：最后一行（第 {last} 行）没有换行符，可能被截断",
                           f"the file is truncated: its last line ({last}) does not end with a line break")
    return ReadFile(header, iter(records[1:]), enc)


def read_any(path: Path, data: bytes, spec: FeedSpec) -> ReadFile:
    suffix = path.suffix.lower()
    if not data:
        raise FileRejected("empty_file", "空文件", "the file is empty")
    if suffix == ".csv":
        return _read_csv(data, spec)
    if suffix == ".xlsx":
        # python-calamine (Rust's calamine, also a pandas engine): a 75,000-row roster in 1 s where openpyxl
        # takes 18 s. Blank cells come back as "" and are None here, as a reader of the sheet would see them.
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            ws = wb.get_sheet_by_name(spec.sheet) if spec.sheet and spec.sheet in wb.sheet_names else \
                wb.get_sheet_by_index(0)
            # read the whole sheet here, so that a damaged sheet is a rejected file rather than an error half-way
            # through loading it
            sheet = [tuple(None if v == "" else v for v in r) for r in ws.to_python(skip_empty_area=False)]
        except Exception as e:     # zip, XML and calamine errors alike: the file cannot be read
            raise FileRejected("unreadable", f"XLSX 文件无法读取（可能不完整）：{e}",
                               f"the XLSX file cannot be read (truncated?): {e}") from e
        if not sheet:
            raise FileRejected("empty_file", "空文件（没有表头）", "the file has no header")
        header = [str(h).strip() if h is not None else "" for h in sheet[0]]
        # a sheet is as wide as its widest row: blank cells right of the header are no columns, and a row is
        # cut back to the header's width unless it has values there (then its field count is wrong)
        while header and header[-1] == "":
            header.pop()

        def cells(r: tuple[Any, ...]) -> list[Any]:
            values = list(r)
            while len(values) > len(header) and values[-1] is None:
                values.pop()
            return values

        return ReadFile(header, ((i + 2, cells(r)) for i, r in enumerate(sheet[1:]) if any(v is not None for v in r)),
                        "xlsx")
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            tbl = pq.read_table(io.BytesIO(data))
        except (pa.ArrowInvalid, OSError) as e:
            raise FileRejected("unreadable", f"Parquet 文件无法读取（可能不完整）：{e}",
                               f"the Parquet file cannot be read (truncated?): {e}") from e
        rows = tbl.to_pylist()
        return ReadFile(list(tbl.column_names), ((i + 2, list(r.values())) for i, r in enumerate(rows)), "parquet")
    raise FileRejected("format", f"不支持的文件格式 {suffix}（须为 CSV、XLSX 或 Parquet）",
                       f"unsupported file format {suffix} (CSV, XLSX or Parquet)")


# -- checking a row ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    column: str
    rule: str
    zh: str
    en: str


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _parse_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _text(v)
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


class RowChecker:
    """Checks a row against its spec; a ``pii: hash`` column is stored as its keyed digest (``ingest.person_key``:
    an ID number as the same ``iden_hash`` the core's persons carry, so HR files match the personnel database)."""

    def __init__(self, spec: FeedSpec, codes: dict[str, set[str]], key: PersonKey) -> None:
        self.spec = spec
        self.codes = codes
        self.key = key

    def check(self, values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        out: dict[str, Any] = {}
        problems: list[Problem] = []
        for c in self.spec.columns:
            raw = values.get(c.header)
            s = _text(raw)
            if s == "":
                if c.required:
                    problems.append(Problem(c.name, "required", f"必填字段“{c.header}”为空",
                                            f"required field {c.name} is empty"))
                out[c.name] = None
                continue
            if c.type == "date":
                d = _parse_date(raw)
                if d is None:
                    problems.append(Problem(c.name, "bad_date", f"“{c.header}”不是有效日期：{s}",
                                            f"{c.name} is not a valid date: {s}"))
                out[c.name] = d
            elif c.type == "decimal":
                try:
                    amt = Decimal(s.replace(",", ""))
                    if not amt.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    problems.append(Problem(c.name, "bad_number", f"“{c.header}”不是有效金额：{s}",
                                            f"{c.name} is not a valid amount: {s}"))
                    out[c.name] = None
                    continue
                exp = amt.as_tuple().exponent
                # the range first: quantizing a value far beyond DECIMAL(18,2) raises InvalidOperation
                if abs(amt) > MAX_AMOUNT:
                    problems.append(Problem(c.name, "out_of_range", f"“{c.header}”超出范围：{s}",
                                            f"{c.name} is out of range: {s}"))
                    out[c.name] = None
                    continue
                if isinstance(exp, int) and exp < -2 and amt != amt.quantize(Decimal("0.01")):
                    problems.append(Problem(c.name, "decimal_places", f"“{c.header}”超过两位小数：{s}",
                                            f"{c.name} has more than 2 decimal places: {s}"))
                elif c.min is not None and amt < c.min:
                    problems.append(Problem(c.name, "below_min", f"“{c.header}”不得小于 {c.min}：{s}",
                                            f"{c.name} must be at least {c.min}: {s}"))
                out[c.name] = amt.quantize(Decimal("0.01"))
            elif c.type == "code":
                if s not in self.codes.get(c.codeset or "", set()):
                    problems.append(Problem(c.name, "unknown_code", f"“{c.header}”代码 {s} 不在代码集 {c.codeset} 中",
                                            f"{c.name} code {s} is not in code set {c.codeset}"))
                out[c.name] = s
            elif c.type == "enum":
                if s not in c.values:
                    problems.append(Problem(c.name, "not_allowed", f"“{c.header}”取值 {s} 不允许（{'/'.join(c.values)}）",
                                            f"{c.name} value {s} is not one of {'/'.join(c.values)}"))
                out[c.name] = s
            elif c.type == "ric":
                if not ric.is_valid(s):
                    problems.append(Problem(c.name, "bad_id_number", f"“{c.header}”不是有效的居民身份证号码：{_mask(s)}",
                                            f"{c.name} is not a valid resident ID number: {_mask(s)}"))
                out[c.name] = s
            else:
                if len(s) > 300:
                    problems.append(Problem(c.name, "too_long", f"“{c.header}”超过 300 字", f"{c.name} exceeds 300 characters"))
                out[c.name] = s
            if c.pii == "hash" and out.get(c.name):
                v = str(out[c.name])
                out[c.name] = self.key.iden(v) if c.type == "ric" else self.key.digest(c.name, v)
        return out, problems


def _mask(s: str) -> str:
    return s[:4] + "*" * max(len(s) - 8, 0) + s[-4:] if len(s) > 8 else "*" * len(s)


def _key_text(spec: FeedSpec, out: dict[str, Any]) -> str:
    return ", ".join(f"{c}={_text(out.get(c))}" for c in spec.key)


def _masked_values(spec: FeedSpec, values: list[Any]) -> str:
    """A row whose field count is wrong: its values cannot be matched to columns, so in a feed with personal
    data every value is masked (a name or ID number may sit in any position)."""
    pii = any(c.pii for c in spec.columns)
    return json.dumps([_mask(_text(v)) if pii else _text(v) for v in values], ensure_ascii=False)


def _masked_row(spec: FeedSpec, values: dict[str, Any]) -> str:
    shown: dict[str, str] = {}
    for c in spec.columns:
        v = _text(values.get(c.header))
        shown[c.header] = "" if c.pii == "drop" and v else _mask(v) if c.pii == "hash" else v
    return json.dumps(shown, ensure_ascii=False)


# -- loading --------------------------------------------------------------------------------------------------
DDL = """
create schema if not exists raw;
create table if not exists raw.xch_file (
    arrival_no integer primary key, file_sha256 varchar not null unique, feed varchar not null,
    spec_version integer, file_name varchar not null, size_bytes bigint not null, encoding varchar,
    rows_total bigint not null, rows_loaded bigint not null, rows_quarantined bigint not null,
    status varchar not null, rule varchar, message varchar);
create table if not exists raw.xch_quarantine (
    feed varchar not null, file_name varchar not null, file_sha256 varchar not null, row_no bigint not null,
    field varchar not null, rule varchar not null, message varchar not null, row_json varchar not null);
"""


@dataclass
class FileResult:
    name: str
    feed: str
    status: str          # loaded / rejected / duplicate
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


@dataclass
class Ingested:
    """What a run loaded. The files stay in the inbox until the warehouse holding them is live; then
    ``ingest.inbox.settle_inbox`` moves them to where the warehouse says they are kept."""

    files: list[FileResult] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        out["rows_loaded"] = sum(f.rows_loaded for f in self.files)
        out["rows_quarantined"] = sum(f.rows_quarantined for f in self.files)
        return out


def _code_lookup(wh: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    sets, _ = read_codeset_files()
    codes = {name: {c.code for c in rows} for name, rows in sets.items()}
    # looked up, not tried: inside the load's transaction a failed statement would abort it
    present = wh.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                         "and table_name = 'bas_agency_info'").fetchone()
    codes["agency"] = {r[0] for r in wh.execute("select agency_code from raw.bas_agency_info").fetchall()} \
        if present and present[0] else set()
    return codes


def _create_feed_table(wh: duckdb.DuckDBPyConnection, spec: FeedSpec) -> None:
    empty = spec.arrow_schema().empty_table()  # noqa: F841 - read by DuckDB
    wh.execute(f"create table if not exists raw.{spec.table} as select * from empty")


def _candidates(ex: Path, full: bool) -> list[tuple[int | None, Path]]:
    """Files to consider, in arrival order: on a full rebuild the archive and the rejected folder
    first (their names carry the arrival number), then the inbox by name."""
    out: list[tuple[int | None, Path]] = []
    if full:
        kept = [p for p in (ex / "archive").rglob("*") if p.is_file()] if (ex / "archive").exists() else []
        kept += [p for p in (ex / "rejected").glob("*") if p.is_file() and not p.name.endswith(".reason.txt")] \
            if (ex / "rejected").exists() else []
        for p in kept:
            m = _ARCHIVED.match(p.name)
            if m:
                out.append((int(m["arrival"]), p))
        out.sort(key=lambda x: (x[0] or 0))
    out += [(None, p) for p in inbox_files(ex)]
    return out


def ingest_exchange(exchange: Path, wh: duckdb.DuckDBPyConnection, *, person_key: PersonKey, full: bool = False,
                    progress: Callable[[str], None] | None = None) -> Ingested:
    """Load the inbox of the exchange folder (and, on a full rebuild, its archive) into ``raw``, in one
    transaction: a commit per file costs more than the file."""
    wh.execute("begin transaction")
    try:
        result = _ingest(exchange, wh, full, progress or (lambda _m: None), person_key)
        wh.execute("commit")
        return result
    except BaseException:
        wh.execute("rollback")
        raise


def _ingest(ex: Path, wh: duckdb.DuckDBPyConnection, full: bool, say: Callable[[str], None],
            key: PersonKey) -> Ingested:
    specs = load_specs()
    if full:
        for s in ("xch_file", "xch_quarantine", *[sp.table for sp in specs.values()]):
            wh.execute(f"drop table if exists raw.{s}")
    wh.execute(DDL)
    for spec in specs.values():
        _create_feed_table(wh, spec)
    codes = _code_lookup(wh)
    result = Ingested()
    seen = {r[0] for r in wh.execute("select file_sha256 from raw.xch_file").fetchall()}
    next_arrival = int(wh.execute("select coalesce(max(arrival_no), 0) from raw.xch_file").fetchone()[0]) + 1  # type: ignore[index]
    candidates = _candidates(ex, full)
    for i, (arrival, path) in enumerate(candidates):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        original = (m["name"] if (m := _ARCHIVED.match(path.name)) and arrival is not None else path.name)
        if sha in seen:
            result.files.append(FileResult(original, "", "duplicate", message="同一文件已加载 (already loaded)"))
            continue
        seen.add(sha)
        if arrival is None:
            arrival = next_arrival
        next_arrival = max(next_arrival, arrival + 1)
        spec = next((s for s in specs.values() if s.file_pattern.fullmatch(original)), None)
        fr = _load_one(wh, spec, path, original, data, sha, arrival, codes, key)
        result.files.append(fr)
        if (i + 1) % 200 == 0 or i + 1 == len(candidates):
            s = result.summary()
            say(f"  交换文件 exchange files {i + 1:,}/{len(candidates):,}: 加载 {s.get('loaded', 0):,}，"
                f"拒收 {s.get('rejected', 0):,}，隔离行 {s['rows_quarantined']:,}")
    return result


def _record_file(wh: duckdb.DuckDBPyConnection, arrival: int, sha: str, feed: str, version: int | None, name: str,
                 size: int, encoding: str | None, total: int, loaded: int, quarantined: int, status: str,
                 rule: str | None, message: str | None) -> None:
    wh.execute("insert into raw.xch_file values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [arrival, sha, feed, version, name, size, encoding, total, loaded, quarantined, status, rule, message])


def _load_one(wh: duckdb.DuckDBPyConnection, spec: FeedSpec | None, path: Path, name: str, data: bytes, sha: str,
              arrival: int, codes: dict[str, set[str]], key: PersonKey) -> FileResult:
    if spec is None:
        msg = "文件名不属于任何已登记的数据交换接口 (file name matches no feed of the exchange standard)"
        _record_file(wh, arrival, sha, "unknown", None, name, len(data), None, 0, 0, 0, "rejected", "unknown_feed", msg)
        return FileResult(name, "unknown", "rejected", message=msg)
    m = spec.file_pattern.fullmatch(name)
    file_date = _parse_date(m.group("file_date")) if m and "file_date" in spec.file_pattern.groupindex else None
    try:
        if m and "file_date" in spec.file_pattern.groupindex and file_date is None:
            raise FileRejected("bad_file_date", f"文件名中的日期 {m.group('file_date')} 不是有效日期",
                               f"the date in the file name is not a valid date: {m.group('file_date')}")
        rf = read_any(path, data, spec)
        missing = [h for h in spec.headers if h not in rf.header]
        extra = [h for h in rf.header if h not in spec.headers]
        if missing or extra or len(set(rf.header)) != len(rf.header):
            raise FileRejected("wrong_columns",
                               f"表头与{spec.feed} v{spec.version}规范不符：缺少 {missing or '无'}，多出 {extra or '无'}",
                               f"header does not match {spec.feed} v{spec.version}: missing {missing}, unexpected {extra}")
    except FileRejected as e:
        _record_file(wh, arrival, sha, spec.feed, spec.version, name, len(data), None, 0, 0, 0, "rejected", e.rule, str(e))
        return FileResult(name, spec.feed, "rejected", message=str(e))
    checker = RowChecker(spec, codes, key)
    schema = spec.arrow_schema()
    good: list[dict[str, Any]] = []
    quarantine: list[tuple[Any, ...]] = []
    keys: set[tuple[Any, ...]] = set()
    total = 0
    bad_rows: set[int] = set()
    shown: dict[int, str] = {}          # row number → the row as quarantine shows it (masked), for good rows
    key_cols = ",".join(spec.key)
    for row_no, values in rf.rows:
        total += 1
        if len(values) != len(rf.header):
            quarantine.append((spec.feed, name, sha, row_no, "*", "field_count",
                               f"字段数 {len(values)} 与表头 {len(rf.header)} 不符 (field count {len(values)} ≠ header "
                               f"{len(rf.header)})", _masked_values(spec, values)))
            bad_rows.add(row_no)
            continue
        vals = dict(zip(rf.header, values, strict=True))
        out, problems = checker.check(vals)
        out.update(file_date=file_date, file_sha256=sha, row_no=row_no)
        if not problems:
            k = tuple(out.get(c) for c in spec.key)
            if k in keys:
                problems.append(Problem(key_cols, "duplicate_key", f"同一文件内主键重复：{_key_text(spec, out)}",
                                        f"duplicate key within the file: {_key_text(spec, out)}"))
            keys.add(k)
        if problems:
            row_json = _masked_row(spec, vals)
            quarantine += [(spec.feed, name, sha, row_no, p.column, p.rule, f"{p.zh} ({p.en})", row_json)
                           for p in problems]
            bad_rows.add(row_no)
        else:
            good.append(out)
            shown[row_no] = _masked_row(spec, vals)
    batch = pa.Table.from_pylist(good, schema=schema)
    # keys already loaded from earlier files: quarantined, not overwritten (the first delivery stands)
    dup = wh.execute(f"select b.row_no from batch b semi join raw.{spec.table} t using ({key_cols})").fetchall()
    if dup:
        dup_rows = {r[0] for r in dup}
        by_row = {r["row_no"]: r for r in good}
        for rn in sorted(dup_rows):
            r = by_row[rn]
            quarantine.append((spec.feed, name, sha, rn, key_cols, "duplicate_key",
                               f"主键已由此前文件加载：{_key_text(spec, r)} (key already loaded from an earlier file: "
                               f"{_key_text(spec, r)})", shown[rn]))
        bad_rows |= dup_rows
        good = [r for r in good if r["row_no"] not in dup_rows]
        batch = pa.Table.from_pylist(good, schema=schema)  # noqa: F841 - read by DuckDB
    wh.execute(f"insert into raw.{spec.table} select * from batch")
    if quarantine:
        names = ("feed", "file_name", "file_sha256", "row_no", "field", "rule", "message", "row_json")
        q = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in quarantine])  # noqa: F841 - read by DuckDB
        wh.execute("insert into raw.xch_quarantine select feed, file_name, file_sha256, row_no, field, rule, message, "
                   "row_json from q")
    _record_file(wh, arrival, sha, spec.feed, spec.version, name, len(data), rf.encoding, total, len(good),
                 len(bad_rows), "loaded", None, None)
    return FileResult(name, spec.feed, "loaded", len(good), len(bad_rows))
