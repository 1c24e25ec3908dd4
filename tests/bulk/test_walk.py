"""``accounts.walk()``: the tree below a scope, breadth first, with depths."""

from __future__ import annotations

import pytest

import ec_async
from ec_async._ids import decode_compact_id
from ec_async.emulator import DEMO_PASSWORD, Emulator, Exchange, Permission
from tests.sync.facades import Facade

from ._support import ADMIN, client

pytestmark = pytest.mark.anyio

Recorded = tuple[Emulator, list[Exchange]]

# name -> parent name; "w" hangs below acme.
TREE = {
    "w": "acme",
    "w-a": "w",
    "w-b": "w",
    "w-c": "w",
    "w-a-1": "w-a",
    "w-a-2": "w-a",
    "w-c-1": "w-c",
    "w-a-1-x": "w-a-1",
}


def _build(emulator: Emulator) -> dict[str, str]:
    """Create TREE, parents first; return each account's id by name."""
    admin = emulator.admin
    ids = {"acme": admin.account_id("acme")}
    for name, parent in TREE.items():
        ids[name] = admin.create_account(ids[parent], name)
    return ids


def _depth(name: str) -> int:
    # Below "w": "w-a" is 1 deep, "w-a-1" 2, "w-a-1-x" 3.
    return name.count("-")


class TestWalk:
    """Accounts.walk()."""

    async def test_breadth_first_with_depths(self, recorded: Recorded) -> None:
        """Levels come in order; each level follows its parents' order, by id within."""
        emulator, _ = recorded
        ids = _build(emulator)
        async with client(emulator.base_url) as ec:
            nodes = [node async for node in ec.scope(ids["w"]).accounts.walk()]

        names = [node.account.name for node in nodes]
        assert {name for name in TREE if name != "w"} == set(names)
        assert [_depth(name) for name in names] == [node.depth for node in nodes]
        assert sorted(node.depth for node in nodes) == [node.depth for node in nodes]
        position = {name: index for index, name in enumerate(names)}
        parents = [TREE[name] for name in names if _depth(name) > 1]
        assert sorted(parents, key=position.__getitem__) == parents
        for parent in {"w-a", "w-c"}:
            children = [n.account.id for n in nodes if TREE[n.account.name] == parent]
            assert sorted(children, key=decode_compact_id) == children

    async def test_max_depth_stops_early(self, recorded: Recorded) -> None:
        """``max_depth=2`` gives the children and grandchildren only."""
        emulator, exchanges = recorded
        ids = _build(emulator)
        async with client(emulator.base_url) as ec:
            nodes = [
                node async for node in ec.scope(ids["w"]).accounts.walk(max_depth=2)
            ]

        assert {"w-a", "w-b", "w-c", "w-a-1", "w-a-2", "w-c-1"} == {
            node.account.name for node in nodes
        }
        listed = {
            exchange.path.split("/")[2]
            for exchange in exchanges
            if exchange.path.endswith("/accounts") and exchange.method == "GET"
        }
        # The grandchildren's own children were never asked for.
        assert {ids["w"], ids["w-a"], ids["w-b"], ids["w-c"]} == listed

    async def test_small_pages_still_reach_everything(self, recorded: Recorded) -> None:
        """A page size of 1 pages through every child list and agrees with descendants()."""
        emulator, _ = recorded
        ids = _build(emulator)
        async with client(emulator.base_url) as ec:
            walked = [
                node.account.id
                async for node in ec.scope(ids["w"]).accounts.walk(
                    page_size=1, concurrency=2
                )
            ]
            below = await ec.scope(ids["w"]).accounts.descendants()

        assert len(walked) == len(set(walked))
        assert {account.id for account in below} == set(walked)

    async def test_a_refused_listing_raises_its_own_error(
        self, recorded: Recorded
    ) -> None:
        """Without the right to list a grandchild's children, walk() raises PermissionDenied."""
        emulator, _ = recorded
        ids = _build(emulator)
        emulator.admin.create_user(
            ids["w"],
            "w-reader",
            password=DEMO_PASSWORD,
            permissions=[
                Permission(domain="account", action="read", target_scope_id=ids["w"])
            ],
        )
        async with ec_async.Client(
            emulator.base_url, username="w-reader", password=DEMO_PASSWORD
        ) as ec:
            with pytest.raises(ec_async.PermissionDenied):
                async for _ in ec.accounts.walk():
                    pass

    async def test_bad_arguments_are_refused_at_once(self, recorded: Recorded) -> None:
        """A max_depth or concurrency below 1 raises before anything is sent."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            with pytest.raises(ec_async.ConfigurationError, match="max_depth"):
                ec.accounts.walk(max_depth=0)
            with pytest.raises(ec_async.ConfigurationError, match="concurrency"):
                ec.accounts.walk(concurrency=0)

    def test_both_facades_walk_alike(self, facade: Facade, served: Emulator) -> None:
        """Through ec_sync and ec_async, the minimal seed's acme tree walks the same."""
        with facade.client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            nodes = facade.collect(ec.accounts.walk())

        assert [
            ("acme-north", 1),
            ("acme-north-plant", 2),
            ("acme-south", 1),
        ] == sorted((node.account.name, node.depth) for node in nodes)
        assert [1, 1, 2] == [node.depth for node in nodes]
