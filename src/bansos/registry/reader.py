"""Streaming readers for registry files (CSV or Parquet) that never trust their input.

Why not pandas or DuckDB's CSV reader: an import must report *each* bad row with its line
number and carry on, survive mixed encodings (UTF-8 with BOM, Windows-1252 exports from
spreadsheets) line by line, and hold only one chunk in memory. The standard ``csv`` module does
the parsing; this module adds the decoding, header aliases and per-row error reporting around it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from bansos.core.errors import Problem

#: A single field longer than this is rejected (the longest real field, an address, is far
#: shorter); the limit keeps a hostile 10 MB cell from flowing into the database.
FIELD_LIMIT = 10_000
#: A physical line longer than this is skipped without being held whole in memory.
LINE_LIMIT = 1_000_000
_PARQUET_MAGIC = b"PAR1"
T = TypeVar("T")
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-][^\d\s.,+-])")


class FileProblem(Problem):
    """The whole file cannot be read (empty, binary, missing columns...): nothing is imported."""


@dataclass(slots=True)
class RowProblem:
    """Why one row (or one of its fields) is rejected or flagged."""

    row: int
    column: str
    code: str
    value: str = ""
    params: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class RawRow:
    row: int  # line number in the file; the header is line 1
    values: dict[str, str]


@dataclass(slots=True)
class ReadStats:
    encoding_fallback_lines: int = 0


def canonical_header(name: str) -> str:
    return re.sub(r"[\s\-./]+", "_", name.strip().lstrip("\ufeff")).strip("_").lower()


def looks_like_formula(value: str) -> bool:
    """Spreadsheet formula injection (``=cmd|' /C calc'!A0``): never a real name or address."""
    return bool(value) and _FORMULA.match(value) is not None


def escape_for_spreadsheet(value: str) -> str:
    """Make a value inert when a rejects file is opened in a spreadsheet (OWASP CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class RowSource:
    """Rows of a CSV or Parquet file as ``RawRow`` (canonical column names) or ``RowProblem``.

    ``aliases`` maps canonical header spellings (see ``canonical_header``) to column names;
    ``required`` columns must all be present; columns not in ``aliases`` or ``required`` are
    kept only when ``keep_extra`` (the social registry's further attributes).
    """

    def __init__(
        self,
        path: Path,
        *,
        required: Sequence[str],
        aliases: Mapping[str, str],
        optional: Sequence[str] = (),
        keep_extra: bool = False,
    ) -> None:
        self.path = path
        self.required = tuple(required)
        self.aliases = dict(aliases)
        self.optional = tuple(optional)
        self.keep_extra = keep_extra
        self.stats = ReadStats()
        self.columns: tuple[str, ...] = ()
        self.extra_columns: tuple[str, ...] = ()
        if not path.exists():
            raise FileProblem("file.not_found", path=str(path))
        if path.stat().st_size == 0:
            raise FileProblem("file.empty")
        with path.open("rb") as fh:
            head = fh.read(4096)
        self.kind = "parquet" if head.startswith(_PARQUET_MAGIC) else "csv"
        if self.kind == "csv":
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise FileProblem("file.encoding_unsupported", encoding="UTF-16")
            if b"\x00" in head or head.startswith(b"PK\x03\x04"):
                raise FileProblem("file.binary")

    # -- header ---------------------------------------------------------------------------

    def _map_header(self, header: Sequence[str]) -> list[str | None]:
        names: list[str | None] = []
        seen: set[str] = set()
        known = set(self.required) | set(self.optional)
        for raw in header:
            key = canonical_header(raw)
            name = self.aliases.get(key, key if key in known else None)
            if name is None and self.keep_extra and re.fullmatch(r"[a-z][a-z0-9_]{0,59}", key):
                name = key
            if name is not None:
                if name in seen:
                    raise FileProblem("file.duplicate_column", column=name)
                seen.add(name)
            names.append(name)
        missing = [c for c in self.required if c not in seen]
        if missing:
            raise FileProblem("file.missing_columns", columns=", ".join(missing))
        self.columns = tuple(n for n in names if n is not None)
        self.extra_columns = tuple(
            n for n in self.columns if n not in self.required and n not in self.optional
        )
        return names

    # -- rows -----------------------------------------------------------------------------

    def start(self) -> Iterator[RawRow | RowProblem]:
        """The rows, with the header already read: header problems (missing columns, no rows)
        raise ``FileProblem`` here, before any import work begins."""
        rows = iter(self)
        first = next(rows, None)
        return rows if first is None else _chain(first, rows)

    def __iter__(self) -> Iterator[RawRow | RowProblem]:
        if self.kind == "parquet":
            yield from self._parquet_rows()
        else:
            yield from self._csv_rows()

    def _decoded_lines(self, fh: BinaryIO) -> Iterator[str]:
        first = True
        while True:
            raw = fh.readline(LINE_LIMIT + 1)
            if not raw:
                return
            if first:
                first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            if len(raw) > LINE_LIMIT and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(LINE_LIMIT + 1)
                # One over-long field stands in for the skipped line: the csv module then
                # reports "field larger than field limit" and we reject that row.
                yield "x" * (FIELD_LIMIT + 1) + "\n"
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.stats.encoding_fallback_lines += 1
                try:
                    yield raw.decode("cp1252")
                except UnicodeDecodeError:
                    yield raw.decode("latin-1")

    def _csv_rows(self) -> Iterator[RawRow | RowProblem]:
        old_limit = csv.field_size_limit(FIELD_LIMIT)
        try:
            with self.path.open("rb") as fh:
                lines = self._decoded_lines(fh)
                first_line = next(lines, "")
                if not first_line.strip():
                    raise FileProblem("file.empty")
                delimiter = _sniff_delimiter(first_line)
                reader = csv.reader(_chain(first_line, lines), delimiter=delimiter)
                try:
                    header = next(reader)
                except csv.Error as exc:
                    raise FileProblem("file.header_unreadable", detail=str(exc)) from exc
                names = self._map_header(header)
                all_named = None not in names  # the common case takes the cheaper dict(zip())
                width = len(names)
                line = reader.line_num
                has_rows = False
                while True:
                    try:
                        fields = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        line = reader.line_num
                        has_rows = True
                        code = "row.field_too_large" if "field limit" in str(exc) else "row.csv"
                        yield RowProblem(line, "", code, params={"detail": str(exc)})
                        continue
                    line = reader.line_num
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank line
                    has_rows = True
                    if len(fields) != width:
                        if len(fields) > width and not any(f.strip() for f in fields[width:]):
                            fields = fields[:width]
                        else:
                            yield RowProblem(
                                line,
                                "",
                                "row.column_count",
                                params={"expected": width, "got": len(fields)},
                            )
                            continue
                    if all_named:
                        yield RawRow(line, dict(zip(names, fields, strict=True)))  # type: ignore[arg-type]
                    else:
                        yield RawRow(
                            line,
                            {n: v for n, v in zip(names, fields, strict=True) if n is not None},
                        )
                if not has_rows:
                    raise FileProblem("file.no_rows")
        finally:
            csv.field_size_limit(old_limit)

    def _parquet_rows(self) -> Iterator[RawRow | RowProblem]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise FileProblem("file.parquet_unreadable", detail=str(exc)) from exc
        names = self._map_header(pf.schema_arrow.names)
        if pf.metadata.num_rows == 0:
            raise FileProblem("file.no_rows")
        line = 1
        for batch in pf.iter_batches(batch_size=5000):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                line += 1
                out: dict[str, str] = {}
                for name, value in zip(names, values, strict=True):
                    if name is None:
                        continue
                    text = "" if value is None else _to_text(value)
                    if len(text) > FIELD_LIMIT:
                        yield RowProblem(line, name, "row.field_too_large")
                        break
                    out[name] = text
                else:
                    yield RawRow(line, out)


def _to_text(value: object) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _chain(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest


def _sniff_delimiter(header_line: str) -> str:
    """Indonesian spreadsheet exports often use ';' (comma is the decimal separator)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def estimate_rows(path: Path) -> int | None:
    """Data rows in the file, for a progress bar: Parquet metadata, or a fast newline count."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head == _PARQUET_MAGIC:
                import pyarrow.parquet as pq

                return int(pq.ParquetFile(path).metadata.num_rows)
            fh.seek(0)
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    except Exception:  # a progress estimate must never stop an import
        return None
    return max(lines - 1, 0)
