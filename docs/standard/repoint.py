"""Rewrite citations of documents outside the repository into pointers at ``docs/``, from ``citations.tsv``.

Usage (from anywhere; the repository root is found from this file's place)::

    python docs/standard/repoint.py              # dry run: what would change, per file, and what is not mapped
    python docs/standard/repoint.py -v           # ... and every replacement with its line
    python docs/standard/repoint.py --apply      # write the files
    python docs/standard/repoint.py --check      # exit 1 if anything would change or is not mapped (CI)
    python docs/standard/repoint.py PATH ...     # only these files

Only the citation strings listed in the table are replaced; every other byte of a file (line endings
included) stays as it was. The table's rules:

- one row per citation string (tab-separated ``citation``, ``replacement``, ``note``; ``#`` lines are
  comments, the header row is skipped);
- a space in a citation also matches a line break (and the break is kept before the replacement);
- at any place the longest listed citation wins, and a citation never matches the beginning of a longer
  section number (``§3.1`` does not match inside ``§3.10``, ``§4.2-1``, ``§4.2-12`` or ``§3.1-3.2``);
- an empty replacement means "keep": the text is protected and left as it is (counted as kept).

Files: what git tracks plus untracked files it does not ignore, minus ``docs/`` (which quotes the old
citations on purpose), binary files and files that are not UTF-8. Citation-like strings the table does not
know (for instance one added after the table was made) are reported with their place and left alone;
so is a bare "§" that names no section. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = Path(__file__).resolve().with_name("citations.tsv")
SKIP_PREFIXES = ("docs/", ".git/", ".venv/", "dbt/target/", "dbt/dbt_packages/", "dbt/logs/", "node_modules/")

# what looks like a citation of the old documents, mapped or not (used only to report unmapped ones)
CITATION_LIKE = re.compile(
    r"(?:(?:domain\.md|domain|architecture)\s+)?§\d+(?:\.\d+)*"
    r"(?:-\{[^}]*\}|-\d+(?:\.\d+)?|\s+rules?\s+\d+(?:,\s*\d+)*|\s+controls\s+\d+-\d+|\s+warehouse note)?")
# a § followed by neither a section number nor one of the new anchors (§A8, §R12, §PAY4 …)
BARE_SECTION_SIGN = re.compile(r"§(?![0-9A-Z])")


@dataclass(frozen=True)
class Row:
    citation: str
    replacement: str
    note: str

    @property
    def keep(self) -> bool:
        return self.replacement == ""


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def load_table(path: Path) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise SystemExit(f"{path}:{n}: expected citation<TAB>replacement[<TAB>note]")
        citation, replacement = parts[0], parts[1]
        note = parts[2] if len(parts) > 2 else ""
        if (citation, replacement) == ("citation", "replacement"):
            continue                                    # header row
        key = _normalise(citation.strip())
        if not key:
            raise SystemExit(f"{path}:{n}: empty citation")
        if key in rows:
            raise SystemExit(f"{path}:{n}: citation {key!r} listed twice")
        rows[key] = Row(key, replacement.strip(), note.strip())
    return rows


def build_pattern(rows: Iterable[str]) -> re.Pattern[str]:
    """One alternation, longest citation first, each with guards so that it is a whole citation."""
    alternatives = []
    for key in sorted(rows, key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in key.split(" "))
        head = r"(?<![A-Za-z0-9_])" if key[0].isalnum() else ""
        tail = r"(?![0-9])(?!\.[0-9])(?!-[0-9])"
        alternatives.append(head + body + tail)
    return re.compile("|".join(alternatives))


@dataclass
class FileResult:
    path: str
    new_text: str
    replaced: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    changes: list[tuple[int, str, str]] = field(default_factory=list)     # (line, old, new)
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    bare: list[tuple[int, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replaced)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def rewrite(path: str, text: str, rows: dict[str, Row], pattern: re.Pattern[str]) -> FileResult:
    result = FileResult(path, text)
    covered: list[tuple[int, int]] = []

    def substitute(m: re.Match[str]) -> str:
        old = m.group()
        row = rows[_normalise(old)]
        covered.append(m.span())
        if row.keep:
            result.kept[row.citation] += 1
            return old
        break_ = re.search(r"\s*\n\s*", old)           # a citation broken over two lines keeps the break
        new = (break_.group() if break_ else "") + row.replacement
        result.replaced[row.citation] += 1
        result.changes.append((_line_of(text, m.start()), old, new))
        return new

    result.new_text = pattern.sub(substitute, text)
    for m in CITATION_LIKE.finditer(text):
        if not any(a <= m.start() < b for a, b in covered):
            result.unmapped.append((_line_of(text, m.start()), _normalise(m.group())))
    for m in BARE_SECTION_SIGN.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        result.bare.append((_line_of(text, m.start()), text[start:end if end >= 0 else None].strip()[:100]))
    return result


def candidate_files(root: Path) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                             cwd=root, capture_output=True, check=True).stdout.decode("utf-8")
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [os.path.relpath(os.path.join(d, f), root) for d, _dirs, names in os.walk(root) for f in names]
    return sorted({f for f in files if not f.startswith(SKIP_PREFIXES)})


def read_text(path: Path) -> str | None:
    """The file as text with its line endings untouched, or None for binary and non-UTF-8 files."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data or "§".encode() not in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def run(files: Iterable[str], rows: dict[str, Row], root: Path) -> Iterator[FileResult]:
    pattern = build_pattern(rows)
    for rel in files:
        text = read_text(root / rel)
        if text is not None:
            yield rewrite(rel, text, rows, pattern)


def write(root: Path, result: FileResult) -> None:
    path = root / result.path
    mode = path.stat().st_mode
    with open(path, "w", encoding="utf-8", newline="") as fh:      # newline="": write line endings as read
        fh.write(result.new_text)
    os.chmod(path, mode)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="files to process (default: the whole repository except docs/)")
    ap.add_argument("--apply", action="store_true", help="write the changes (default: dry run)")
    ap.add_argument("--check", action="store_true", help="exit 1 if anything would change or is not mapped")
    ap.add_argument("-v", "--verbose", action="store_true", help="show every replacement")
    ap.add_argument("--table", type=Path, default=TABLE, help=f"the table (default {TABLE.relative_to(ROOT)})")
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root (default: found from this file)")
    args = ap.parse_args(argv)

    root = args.root.resolve()
    rows = load_table(args.table)
    files = [os.path.relpath(Path(p).resolve(), root) for p in args.paths] if args.paths else candidate_files(root)
    results = list(run(files, rows, root))

    total = Counter[str]()
    kept = Counter[str]()
    print("dry run (nothing written; --apply writes)" if not args.apply else "applying")
    for r in results:
        if not (r.replaced or r.kept):
            continue
        total.update(r.replaced)
        kept.update(r.kept)
        extra = f", {sum(r.kept.values())} kept" if r.kept else ""
        n = sum(r.replaced.values())
        print(f"  {r.path}: {n} replacement{'' if n == 1 else 's'}{extra}")
        if args.verbose:
            for line, old, new in r.changes:
                print(f"      {line:>5}: {_normalise(old)!r} -> {new.strip()!r}")
        if args.apply and r.changed:
            write(root, r)
    changed_files = sum(1 for r in results if r.changed)
    print(f"total: {sum(total.values())} replacements in {changed_files} files"
          f"{f', {sum(kept.values())} kept as they are' if kept else ''}")
    if args.verbose and total:
        print("by citation:")
        for citation, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:>4}  {citation}  ->  {rows[citation].replacement}")
    unused = sorted(k for k in rows if k not in total and k not in kept)
    if unused and args.verbose:
        print(f"table rows that matched nothing: {', '.join(unused)}")

    unmapped = [(r.path, line, c) for r in results for line, c in r.unmapped]
    if unmapped:
        print(f"citations the table does not know ({len(unmapped)}; left alone — add rows to {args.table.name}):")
        for path, line, c in unmapped:
            print(f"  {path}:{line}: {c}")
    bare = [(r.path, line, s) for r in results for line, s in r.bare]
    if bare:
        print(f"'§' naming no section ({len(bare)}; left alone — edit by hand):")
        for path, line, s in bare:
            print(f"  {path}:{line}: {s}")
    if args.check and (total or unmapped):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
