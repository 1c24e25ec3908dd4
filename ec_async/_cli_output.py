"""How ``ec`` prints records: an aligned table, JSON or CSV, of the columns asked for.

Standard output carries the records and nothing else; progress, notes and
errors go to standard error. A column is a field's JSON name, and a dotted
name (``connection.status``) reaches into a nested object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import textwrap
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import attrs

from ._cli_common import printable, usage
from ._convert import wire_name
from ._guards import is_mapping

__all__ = [
    "FORMATS",
    "Listing",
    "Output",
    "Schema",
    "add_output_flags",
    "check_columns",
    "model_schema",
    "print_one",
]

FORMATS = ("table", "json", "csv")

# The columns a command knows: each name maps to the columns below it (a
# nested object's fields), or to None where nothing below is checked.
Schema = Mapping[str, "Schema | None"]

# A table is for people: longer values are cut there, never in JSON or CSV.
_TABLE_CELL = 60


@attrs.frozen
class Output:
    """The format and the columns the command line asked for."""

    format: str = "table"
    columns: tuple[str, ...] | None = None

    @classmethod
    def of(cls, args: argparse.Namespace) -> Output:
        """The output flags of parsed arguments."""
        return cls(format=args.output, columns=args.columns)


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--output/-o`` and ``--columns`` to a command that prints records."""
    parser.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        default="table",
        help="table (aligned columns, the default), json or csv",
    )
    parser.add_argument(
        "--columns",
        type=_column_list,
        metavar="A,B,C",
        help="the columns to print, by JSON field name; a.b reaches into a",
    )


def _column_list(text: str) -> tuple[str, ...]:
    columns = tuple(column.strip() for column in text.split(","))
    if not all(columns):
        msg = f"expected names separated by commas, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return columns


def model_schema(model: type) -> dict[str, Schema | None]:
    """The columns of a model: its fields' JSON names, nested models below them."""
    hints = typing.get_type_hints(model)

    return {
        wire_name(field): _nested_schema(hints.get(field.name))
        for field in attrs.fields(model)
        if field.name != "extra"
    }


def _nested_schema(hint: Any) -> Schema | None:
    candidates = typing.get_args(hint) or (hint,)
    for candidate in candidates:
        if isinstance(candidate, type) and attrs.has(candidate):
            return model_schema(candidate)
    return None


def check_columns(columns: Sequence[str] | None, schema: Schema) -> None:
    """Refuse a column the command does not know, naming those it does."""
    for column in columns or ():
        level: Schema | None = schema
        known_as = ""
        for part in column.split("."):
            if level is None:
                break
            if part not in level:
                where = f" of {known_as[:-1]}" if known_as else ""
                msg = (
                    f"unknown column {column!r}; known columns{where}: "
                    f"{', '.join(level)}"
                )
                raise usage(msg)
            level = level[part]
            known_as += part + "."


def value_at(record: Mapping[str, Any], column: str) -> Any:
    """The value a column names in a record, ``None`` where it is absent."""
    value: Any = record
    for part in column.split("."):
        if not is_mapping(value):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    """A cell's text: strings as they are, other values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, separators=(",", ":"))


def _table_text(value: Any) -> str:
    text = printable(" ".join(_text(value).splitlines()))
    return text if len(text) <= _TABLE_CELL else text[: _TABLE_CELL - 3] + "..."


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


def _chosen(record: Mapping[str, Any], columns: Sequence[str] | None) -> Any:
    if columns is None:
        return record
    return {column: value_at(record, column) for column in columns}


class Listing:
    """Records printed as one JSON array, CSV with a header, or an aligned table.

    JSON and CSV are written as the records come (held back until the end
    when standard output is a terminal, where a progress bar is drawn); a
    table needs every row to align its columns. A listing that fails part way
    leaves its JSON array unclosed, so that it never reads as complete.
    """

    def __init__(
        self, output: Output, columns: Sequence[str], stream: TextIO | None = None
    ) -> None:
        self._format = output.format
        self._asked = output.columns
        self._columns = list(output.columns or columns)
        self._out = stream or sys.stdout
        # On a terminal the records wait for the progress bar to finish.
        self._held = io.StringIO() if self._out.isatty() else None
        self._sink: TextIO = self._out if self._held is None else self._held
        self._csv = csv.writer(self._sink, lineterminator="\n")
        self._rows: list[list[str]] = []
        self._count = 0

    def add(self, record: Mapping[str, Any]) -> None:
        """Print one record, or keep it for the table."""
        if self._format == "table":
            self._rows.append(
                [_table_text(value_at(record, column)) for column in self._columns]
            )
        elif self._format == "csv":
            if not self._count:
                self._csv.writerow(self._columns)
            self._csv.writerow(
                [_text(value_at(record, column)) for column in self._columns]
            )
        else:
            separator = "[\n" if not self._count else ",\n"
            element = textwrap.indent(_json(_chosen(record, self._asked)), "  ")
            self._sink.write(separator + element)
        self._count += 1

    def close(self) -> None:
        """End the output once every record is in."""
        if self._format == "table":
            _print_table(self._columns, self._rows, self._sink)
        elif self._format == "csv" and not self._count:
            self._csv.writerow(self._columns)
        elif self._format == "json":
            self._sink.write("\n]\n" if self._count else "[]\n")
        if self._held is not None:
            self._out.write(self._held.getvalue())
        self._out.flush()

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Print several records."""
        for record in records:
            self.add(record)


def print_one(
    record: Mapping[str, Any], output: Output, stream: TextIO | None = None
) -> None:
    """Print a single record: a JSON object, a CSV row, or one field a line."""
    out = stream or sys.stdout
    columns = list(output.columns or record)
    if output.format == "json":
        out.write(_json(_chosen(record, output.columns)) + "\n")
    elif output.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerow([_text(value_at(record, column)) for column in columns])
    else:
        width = max((len(column) for column in columns), default=0)
        for column in columns:
            line = (
                f"{column.ljust(width)}  {printable(_text(value_at(record, column)))}"
            )
            out.write(line.rstrip() + "\n")
    out.flush()


def _print_table(columns: list[str], rows: list[list[str]], stream: TextIO) -> None:
    widths = [
        max([len(column), *(len(row[index]) for row in rows)])
        for index, column in enumerate(columns)
    ]
    for line in [columns, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        stream.write("  ".join(cells).rstrip() + "\n")
