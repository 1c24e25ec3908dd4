"""``-o table|json|csv`` and ``--columns``: what ``ec`` prints on stdout."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

import ec_sync
from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator

from .conftest import Terminal, World

DEVICE_COLUMNS = [
    "id",
    "clientId",
    "displayName",
    "connection.status",
    "modelName",
    "firmwareVersion",
]


def _devices(world: World, *flags: str) -> list[str]:
    return ["devices", "list", "--scope", world.scope_id, *flags]


class TestTable:
    """The default: aligned columns for people."""

    def test_columns_line_up(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A header of the default columns; every value starts under its name."""
        assert 0 == main(_devices(world))
        header, *rows = capsys.readouterr().out.splitlines()

        assert DEVICE_COLUMNS == header.split()
        assert 3 == len(rows)
        starts = [header.index(column) for column in DEVICE_COLUMNS[:2]]
        for row in rows:
            assert row[starts[1] :].startswith("w-")  # the client id column
            assert " " == row[starts[1] - 1]

    def test_get_shows_one_field_a_line(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One object reads as name and value, a line each."""
        device_id = world.ids["devices"]["w-off"]
        main(["devices", "get", device_id, "--scope", world.scope_id])
        lines = capsys.readouterr().out.splitlines()

        fields = dict(line.split(None, 1) for line in lines if " " in line)
        width = max(len(line.split()[0]) for line in lines)

        assert (device_id, "w-off") == (fields["id"], fields["clientId"])
        assert {width + 2} == {len(line) - len(line[width:].lstrip()) for line in lines}

    def test_an_empty_listing_is_a_header(
        self, as_admin: object, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No rows: the header alone, so the columns still show."""
        main(["tags", "list"])

        assert "id  name  description\n" == capsys.readouterr().out

    def test_control_characters_from_the_server_are_shown_escaped(
        self, as_admin: Emulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A description holding a terminal escape prints as text, in table and get."""
        with ec_sync.Client(
            as_admin.base_url, username="acme-admin", password=DEMO_PASSWORD
        ) as ec:
            tag = ec.tags.create(
                ec_sync.TagCreator(name="t-odd", description="a\x1b]0;owned\x07b\nc")
            )
        main(["tags", "list"])
        main(["tags", "get", tag.id])
        out = capsys.readouterr().out

        assert "\x1b" not in out
        assert "\x07" not in out
        assert 2 == out.count("a\\x1b]0;owned\\x07b")


class TestJson:
    """-o json: one array for a listing, one object for a single record."""

    def test_a_listing_is_one_array_of_whole_records(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every field the server sent, nested objects kept nested."""
        main(_devices(world, "-o", "json"))
        rows = json.loads(capsys.readouterr().out)

        statuses = {
            row["clientId"]: row.get("connection", {}).get("status") for row in rows
        }
        assert {"w-on": "CONNECTED", "w-off": "DISCONNECTED", "w-new": None} == statuses
        assert {world.scope_id} == {row["scopeId"] for row in rows}

    def test_get_prints_an_object(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Not a list of one."""
        device_id = world.ids["devices"]["w-on"]
        main(["devices", "get", device_id, "--scope", world.scope_id, "-o", "json"])
        document = json.loads(capsys.readouterr().out)

        assert isinstance(document, dict)
        assert ("w-on", device_id) == (document["clientId"], document["id"])

    def test_columns_choose_the_keys(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--columns keeps only those keys; a dotted one reaches into an object."""
        main(_devices(world, "-o", "json", "--columns", "clientId,connection.status"))

        assert [
            {"clientId": "w-new", "connection.status": None},
            {"clientId": "w-off", "connection.status": "DISCONNECTED"},
            {"clientId": "w-on", "connection.status": "CONNECTED"},
        ] == sorted(
            json.loads(capsys.readouterr().out), key=lambda row: row["clientId"]
        )

    def test_an_empty_listing_is_an_empty_array(
        self, as_admin: object, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """[] parses as JSON, where nothing at all would not."""
        main(["jobs", "list", "-o", "json"])

        assert [] == json.loads(capsys.readouterr().out)

    def test_login_prints_the_session(
        self, as_admin: object, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """login -o json: one object, the account named, no token in it."""
        assert 0 == main(["login", "-o", "json"])
        session = json.loads(capsys.readouterr().out)

        assert [
            "account",
            "scopeId",
            "userId",
            "expiresOn",
            "refreshExpiresOn",
        ] == list(session)
        assert "acme" == session["account"]


class TestCsv:
    """-o csv: a header row, then a row per record."""

    def test_header_and_rows(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The default columns, then the three devices."""
        main(_devices(world, "-o", "csv"))
        header, *rows = csv.reader(io.StringIO(capsys.readouterr().out))

        assert DEVICE_COLUMNS == header
        assert {"w-on", "w-off", "w-new"} == {row[1] for row in rows}

    def test_nested_values_are_json_in_a_cell(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A nested object is one cell of JSON; a missing one an empty cell."""
        main(_devices(world, "-o", "csv", "--columns", "clientId,connection,tagIds"))
        rows = {
            row[0]: row[1:] for row in csv.reader(io.StringIO(capsys.readouterr().out))
        }

        assert "DISCONNECTED" == json.loads(rows["w-off"][0])["status"]
        assert ["", "[]"] == rows["w-new"]

    def test_an_empty_listing_is_the_header(
        self, as_admin: object, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A reader still learns the columns."""
        main(["groups", "list", "-o", "csv"])

        assert "id,name,description\n" == capsys.readouterr().out

    def test_get_is_a_header_and_a_row(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One record: two lines."""
        user_id = world.ids["users"]["w-ann"]
        get = ["users", "get", user_id, "--scope", world.scope_id]
        main([*get, "-o", "csv", "--columns", "id,name"])

        assert [["id", "name"], [user_id, "w-ann"]] == list(
            csv.reader(io.StringIO(capsys.readouterr().out))
        )


class TestStreams:
    """Whatever stdout is, each record is printed once."""

    @pytest.mark.parametrize("stream", [io.StringIO, Terminal])
    def test_each_row_once(
        self,
        stream: type[io.StringIO],
        as_admin: object,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A StringIO (a caller embedding main) or a terminal: the header and four users."""
        out = stream()
        monkeypatch.setattr(sys, "stdout", out)

        assert 0 == main(["users", "list", "-o", "csv", "--columns", "name"])
        assert [
            "name",
            "acme-admin",
            "acme-auditor",
            "acme-observer",
            "acme-operator",
        ] == out.getvalue().splitlines()


class TestColumns:
    """--columns names fields by their JSON names; unknown ones are refused."""

    @pytest.mark.parametrize(
        ("columns", "known"),
        [
            ("id,bogus", "known columns: id, scopeId, clientId, status,"),
            ("connection.bogus", "known columns of connection: id, scopeId, status,"),
        ],
    )
    def test_an_unknown_column_exits_2_naming_the_known(
        self,
        columns: str,
        known: str,
        as_admin: object,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The error names the column and lists those that exist; stdout stays empty."""
        code = main(["devices", "list", "--columns", columns])
        out, err = capsys.readouterr()

        assert 2 == code
        assert "" == out
        assert err.startswith(f"ec: error: unknown column '{columns.split(',')[-1]}'")
        assert known in err
        assert 1 == err.count("\n")

    def test_count_columns_are_checked_too(
        self, as_admin: object, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A count knows its own columns: scopeId and count, and the split's."""
        code = main(["users", "count", "--columns", "CONNECTED"])

        assert 2 == code
        assert "known columns: scopeId, count\n" in capsys.readouterr().err

    def test_an_empty_name_is_refused(self, capsys: pytest.CaptureFixture[str]) -> None:
        """id,,name is a mistake, caught by the argument parser."""
        with pytest.raises(SystemExit) as exited:
            main(["devices", "list", "--columns", "id,,name"])

        assert 2 == exited.value.code
        assert "usage: ec devices list" in capsys.readouterr().err
