"""Kapua's matching of a required permission against grants, without a server."""

from __future__ import annotations

from ec_async.emulator._permissions import Grant, groups_granted, is_permitted

ACME, NORTH, PLANT, GLOBEX = 10, 11, 12, 20
# The ids above acme-north-plant on its parentAccountPath /1/10/11/12.
PLANT_ANCESTORS = frozenset({1, ACME, NORTH})
ANY = -1
GROUP_A, GROUP_B = 100, 200


class TestScopes:
    """Targets, forwarding, and the ANY scope."""

    def test_forwardable_grant_reaches_a_descendant(self) -> None:
        """device:read on acme, forwardable, implies it on acme-north-plant."""
        grant = Grant("device", "read", ACME, forwardable=True)

        assert is_permitted([grant], Grant("device", "read", PLANT), PLANT_ANCESTORS)

    def test_plain_grant_does_not(self) -> None:
        """Without forwarding, a grant on acme stops there."""
        grant = Grant("device", "read", ACME)

        assert not is_permitted(
            [grant], Grant("device", "read", PLANT), PLANT_ANCESTORS
        )

    def test_any_scope_is_met_by_a_grant_on_one(self) -> None:
        """A check on ANY scope (account deletion) passes with any account's grant."""
        grant = Grant("account", "delete", GLOBEX)

        assert is_permitted([grant], Grant("account", "delete", ANY), frozenset())

    def test_a_null_target_is_met_only_by_a_null_grant(self) -> None:
        """Every-scope checks need an every-scope grant, forwarding or not."""
        tenant = Grant(None, None, ACME, forwardable=True)
        system = Grant()
        required = Grant("endpoint_info", "write", None)

        assert (False, True) == (
            is_permitted([tenant], required, frozenset()),
            is_permitted([system], required, frozenset()),
        )


class TestGroups:
    """Groupable domains honour a grant's group; the others ignore it."""

    def test_group_grant_covers_its_group_only(self) -> None:
        """device:read in group A reads a device of A, not one of B nor of none."""
        grant = Grant("device", "read", ACME, GROUP_A)

        assert [True, False, False] == [
            is_permitted([grant], Grant("device", "read", ACME, group), frozenset())
            for group in (GROUP_A, GROUP_B, None)
        ]

    def test_group_is_ignored_for_a_domain_that_is_not_groupable(self) -> None:
        """account is not groupable: a group on the grant does not narrow it."""
        grant = Grant("account", "read", ACME, GROUP_A)

        assert is_permitted([grant], Grant("account", "read", ACME), frozenset())

    def test_listing_sees_the_granted_groups(self) -> None:
        """Grants on groups A and B give those; a group-less grant gives all."""
        required = Grant("device", "read", ACME)
        limited = [
            Grant("device", "read", ACME, GROUP_A),
            Grant("device", "read", ACME, GROUP_B),
            Grant("tag", "read", ACME, GROUP_A),
        ]

        assert frozenset({GROUP_A, GROUP_B}) == groups_granted(
            limited, required, frozenset()
        )
        assert None is groups_granted(
            [*limited, Grant("device", None, ACME)], required, frozenset()
        )
