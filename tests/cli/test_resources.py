"""``ec <resource> list|get|count|delete``: the same verbs answer for every resource."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from ec_async._cli import main

from .conftest import Terminal, World

# resource -> the field a listing is checked by, and where get finds the id.
KEYS = {
    "accounts": "name",
    "devices": "clientId",
    "users": "name",
    "roles": "name",
    "groups": "name",
    "tags": "name",
    "jobs": "name",
    "device-connections": "clientId",
    "data-messages": "datastoreId",
}
DELETABLE = ["devices", "users", "roles", "groups", "tags", "jobs"]
NOUNS = {"devices": "device", "users": "user", "roles": "role", "groups": "group"}
NOUNS |= {"tags": "tag", "jobs": "job"}


def _expected(world: World, resource: str) -> set[str]:
    """What a listing of the world's account holds, by the listing's key."""
    if resource == "device-connections":
        return {"w-on", "w-off"}  # the device created with no connection has none
    if resource == "data-messages":
        return set(world.ids[resource].values())
    return set(world.ids[resource])


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


class TestEveryResource:
    """list, get and count agree for every resource."""

    @pytest.mark.parametrize("resource", list(KEYS))
    def test_list_get_and_count(
        self, resource: str, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """list shows the account's items, get shows one, count counts them."""
        scope = ["--scope", world.scope_id]
        key = KEYS[resource]
        expected = _expected(world, resource)
        item_id = next(iter(world.ids[resource].values()))
        id_key = "datastoreId" if resource == "data-messages" else "id"

        assert 0 == main([resource, "list", *scope, "-o", "json"])
        assert expected == {row[key] for row in json.loads(_out(capsys))}
        assert 0 == main([resource, "get", item_id, *scope, "-o", "json"])
        assert item_id == json.loads(_out(capsys))[id_key]
        assert 0 == main([resource, "count", *scope, "-o", "json"])
        assert {"scopeId": world.scope_id, "count": len(expected)} == json.loads(
            _out(capsys)
        )

    @pytest.mark.parametrize("resource", list(KEYS))
    def test_list_all_pages_one_at_a_time(
        self, resource: str, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--all --limit 1 reads page after page and finds the same items."""
        listing = [resource, "list", "--scope", world.scope_id, "--all", "--limit", "1"]
        code = main([*listing, "-o", "csv", "--columns", KEYS[resource]])
        rows = list(csv.reader(io.StringIO(_out(capsys))))

        assert 0 == code
        assert [KEYS[resource]] == rows[0]
        assert sorted(_expected(world, resource)) == sorted(row[0] for row in rows[1:])

    def test_a_first_page_says_there_is_more(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --all, a full page ends with a note on stderr, not on stdout."""
        main(["devices", "list", "--scope", world.scope_id, "--limit", "2"])
        out, err = capsys.readouterr()

        assert 3 == len(out.splitlines())  # the header and two devices
        assert "ec: more devices than shown: pass --all for every page\n" == err


class TestFilters:
    """Each resource's filters reach the server."""

    def test_devices_by_client_id(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--client-id lists the one device."""
        scope = ["--scope", world.scope_id]
        main(["devices", "list", *scope, "--client-id", "w-off", "-o", "json"])

        assert [world.ids["devices"]["w-off"]] == [
            row["id"] for row in json.loads(_out(capsys))
        ]

    @pytest.mark.parametrize("paging", [[], ["--all"]])
    def test_messages_in_a_time_range(
        self, paging: list[str], world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--start and --end are inclusive; the newest message comes first."""
        window = ["--start", "2024-05-01T01:00:00Z", "--end", "2024-05-01T02:00:00"]
        listing = ["data-messages", "list", "--scope", world.scope_id, *window]
        main([*listing, *paging, "-o", "json", "--columns", "channel,metrics"])

        assert [
            {"channel": "w/data", "metrics": {"temperature": 22}},
            {"channel": "w/data", "metrics": {"temperature": 21}},
        ] == json.loads(_out(capsys))

    def test_a_bad_time_is_a_usage_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A time that is not ISO 8601 stops the command before it connects."""
        with pytest.raises(SystemExit) as exited:
            main(["data-messages", "list", "--start", "yesterday"])

        assert 2 == exited.value.code
        assert "expected an ISO 8601 time" in capsys.readouterr().err

    def test_count_by_connection_status(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--by status splits the count: one device of each kind."""
        count = ["devices", "count", "--scope", world.scope_id, "--by", "status"]
        main([*count, "-o", "json"])

        assert {
            "scopeId": world.scope_id,
            "count": 3,
            "CONNECTED": 1,
            "DISCONNECTED": 1,
            "MISSING": 0,
            "NULL": 1,
        } == json.loads(_out(capsys))

    def test_accounts_recursive(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--recursive lists every account below the scope, at any depth."""
        main(["accounts", "list", "--recursive", "-o", "json", "--columns", "name"])
        names = {row["name"] for row in json.loads(_out(capsys))}

        seeded = {"acme-north", "acme-north-plant", "acme-south"}
        assert seeded | {"t-world", "t-world-a", "t-world-b"} == names


class TestAllAccounts:
    """--all-accounts works for every resource, not only devices."""

    def test_users_of_the_tree(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each user comes with its account's name."""
        listing = ["users", "list", "--all-accounts", "--scope", world.scope_id]
        main([*listing, "-o", "json", "--columns", "account,name"])

        assert [
            {"account": "t-world", "name": "w-ann"},
            {"account": "t-world", "name": "w-bob"},
        ] == sorted(json.loads(_out(capsys)), key=lambda row: row["name"])

    def test_tags_counted_per_account(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A row per account of the tree, each after its parent."""
        count = ["tags", "count", "--all-accounts", "--scope", world.scope_id]
        main([*count, "-o", "csv", "--columns", "account,depth,count"])

        header, top, *children = csv.reader(io.StringIO(_out(capsys)))

        assert ["account", "depth", "count"] == header
        assert ["t-world", "0", "2"] == top
        assert [["t-world-a", "1", "0"], ["t-world-b", "1", "0"]] == sorted(children)

    def test_csv_keeps_one_layout_when_nothing_failed(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every account succeeded, yet the CSV header still has its error column."""
        count = ["tags", "count", "--all-accounts", "--scope", world.scope_id]
        main([*count, "-o", "csv"])

        header, *rows = csv.reader(io.StringIO(_out(capsys)))

        assert ["account", "accountId", "depth", "count", "error"] == header
        assert [""] * 3 == [row[4] for row in rows]


class TestDelete:
    """delete asks first on a terminal and needs --yes elsewhere."""

    @pytest.mark.parametrize("resource", DELETABLE)
    def test_delete_with_yes(
        self, resource: str, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The item is gone: get answers not found."""
        scope = ["--scope", world.scope_id]
        item_id = next(iter(world.ids[resource].values()))

        assert 0 == main([resource, "delete", item_id, "--yes", *scope])
        assert f"ec: deleted {NOUNS[resource]} {item_id}\n" == capsys.readouterr().err
        assert 4 == main([resource, "get", item_id, *scope])

    @pytest.mark.parametrize("resource", ["accounts", "device-connections"])
    def test_no_delete_where_it_is_not_safe(
        self, resource: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Accounts (everything in them) and connections offer no delete."""
        with pytest.raises(SystemExit) as exited:
            main([resource, "delete", "AQ", "--yes"])

        assert 2 == exited.value.code
        assert "invalid choice: 'delete'" in capsys.readouterr().err

    def test_off_a_terminal_without_yes_nothing_is_deleted(
        self,
        world: World,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Exit 2 before connecting; the device is still there."""
        monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
        scope = ["--scope", world.scope_id]
        device_id = world.ids["devices"]["w-on"]

        assert 2 == main(["devices", "delete", device_id, *scope])
        assert (
            "ec: error: not deleting without --yes: there is no terminal to ask on\n"
            == capsys.readouterr().err
        )
        assert 0 == main(["devices", "get", device_id, *scope])

    @pytest.mark.parametrize(("answer", "code", "left"), [("y", 0, 4), ("n", 1, 0)])
    def test_a_terminal_is_asked(
        self,
        answer: str,
        code: int,
        left: int,
        world: World,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """y deletes; anything else deletes nothing and exits 1."""
        monkeypatch.setattr(sys, "stdin", Terminal(answer + "\n"))
        scope = ["--scope", world.scope_id]
        device_id = world.ids["devices"]["w-on"]

        assert code == main(["devices", "delete", device_id, *scope])
        assert f"Delete 1 device ({device_id})? [y/N] " in capsys.readouterr().err
        assert left == main(["devices", "get", device_id, *scope])
