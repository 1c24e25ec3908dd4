"""Users, credentials, passwords, MFA and permissions, through both facades."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest

import ec_async
from ec_async import (
    CredentialType,
    OpenIdConnectTokens,
    UserCreator,
    UsernamePassword,
    UserProfile,
    UserStatus,
)
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import (
    ADMIN,
    NEW_PASSWORD,
    USER_PASSWORD,
    admin_client,
    client_of,
    limited_user,
    new_user,
)

# Kapua's default lockout policy: the third failure locks the credential.
MAX_FAILURES = 3


class TestUsers:
    """Creating, reading, updating and deleting users."""

    def test_create_get_list_count(self, facade: Facade, emulator: Emulator) -> None:
        """A new user reads back by id and joins the account's listing and count."""
        with admin_client(facade, emulator) as ec:
            seeded = [user.name for user in facade.collect(ec.users.iter())]
            created = facade.run(
                ec.users.create(UserCreator(name="alice", email="alice@example.com"))
            )
            fetched = facade.run(ec.users.get(created.id))
            by_name = facade.run(ec.users.list(name="alice"))
            names = [user.name for user in facade.collect(ec.users.iter(page_size=1))]
            count = facade.run(ec.users.count())

        assert ("alice", "alice@example.com") == (fetched.name, fetched.email)
        assert (UserStatus.ENABLED, "INTERNAL") == (fetched.status, fetched.user_type)
        assert [created.id] == [user.id for user in by_name]
        assert ADMIN in seeded
        assert sorted([*seeded, "alice"]) == sorted(names)
        assert len(seeded) + 1 == count

    def test_duplicate_name_in_the_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A name already used in the account raises DuplicateName (a 500)."""
        with admin_client(facade, emulator) as ec:
            facade.run(ec.users.create(UserCreator(name="twin")))
            with pytest.raises(ec_async.DuplicateName) as raised:
                facade.run(ec.users.create(UserCreator(name="twin")))

        assert (500, "DUPLICATE_NAME") == (raised.value.status, raised.value.error_code)

    def test_duplicate_name_in_another_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """User names are unique system-wide: globex's admin name is taken for acme."""
        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.DuplicateName) as raised,
        ):
            facade.run(ec.users.create(UserCreator(name="globex-admin")))

        assert "ENTITY_ALREADY_EXIST_IN_ANOTHER_ACCOUNT" == raised.value.error_code

    def test_update_then_stale_update(self, facade: Facade, emulator: Emulator) -> None:
        """An update from a stale copy raises OptimisticLockError; the first stays."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "bob", password=None)
            updated = facade.run(
                ec.users.update(attrs.evolve(user, display_name="Bob B."))
            )
            with pytest.raises(ec_async.OptimisticLockError):
                facade.run(ec.users.update(attrs.evolve(user, display_name="lost")))
            fetched = facade.run(ec.users.get(user.id))

        assert ("Bob B.", "Bob B.") == (updated.display_name, fetched.display_name)
        assert (user.optlock or 0) + 1 == fetched.optlock

    def test_name_cannot_change(self, facade: Facade, emulator: Emulator) -> None:
        """Renaming a user is refused as an illegal argument."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "carol", password=None)
            with pytest.raises(ec_async.BadRequest) as raised:
                facade.run(ec.users.update(attrs.evolve(user, name="caroline")))

        assert "name" == raised.value.argument_name

    def test_delete_removes_user_and_their_login(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A deleted user is gone, and so are the credentials they logged in with."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "dave")
            facade.run(ec.users.delete(user.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.users.get(user.id))
            remaining = facade.run(ec.credentials.list(user_id=user.id))

        assert 0 == len(remaining)
        with pytest.raises(ec_async.AuthenticationError):
            _login(facade, emulator, "dave")

    def test_nobody_deletes_themselves(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Deleting one's own user is an illegal argument."""
        with admin_client(facade, emulator) as ec:
            assert ec.user_id is not None
            with pytest.raises(ec_async.BadRequest):
                facade.run(ec.users.delete(ec.user_id))

    def test_disabled_user_cannot_log_in(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A user set DISABLED is refused at login like a wrong password."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "erin")
            facade.run(ec.users.update(attrs.evolve(user, status=UserStatus.DISABLED)))

        with pytest.raises(ec_async.AuthenticationError):
            _login(facade, emulator, "erin")


def _login(facade: Facade, emulator: Emulator, username: str) -> None:
    """Log ``username`` in with USER_PASSWORD and out again; raise if refused."""
    with client_of(facade, emulator, username):
        return


class TestCredentials:
    """Passwords and API keys: creating them and logging in with them."""

    def test_password_and_api_key_both_log_in(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A new user logs in with their password, and with their API key."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "frank")
            key = facade.run(ec.users.credentials(user.id).create_api_key())
            listed = facade.run(ec.users.credentials(user.id).list())
            count = facade.run(ec.users.credentials(user.id).count())

        assert key.credential_key is not None
        with client_of(facade, emulator, "frank") as by_password:
            assert user.id == by_password.user_id
        with client_of(facade, emulator, "", api_key=key.credential_key) as by_key:
            assert user.id == by_key.user_id
        assert {"PASSWORD", "API_KEY"} == {c.credential_type for c in listed}
        assert 2 == count

    def test_api_key_is_shown_once_and_never_in_a_repr(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The key is in the create answer only, and in no repr of it."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "gina", password=None)
            key = facade.run(ec.users.credentials(user.id).create_api_key())
            read = facade.run(ec.credentials.get(key.id))

        assert key.credential_key is not None
        assert key.credential_key not in repr(key)
        assert CredentialType.API_KEY == read.credential_type
        assert read.credential_key is None

    def test_second_password_is_a_conflict(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A user has at most one password credential."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "hank")
            with pytest.raises(ec_async.Conflict) as raised:
                facade.run(ec.users.credentials(user.id).create_password(NEW_PASSWORD))

        assert "DUPLICATED_PASSWORD_CREDENTIAL" == raised.value.error_code

    def test_weak_password_is_refused_without_quoting_it(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Too short is its own error; no symbol is an illegal argument, masked."""
        weak = "alllowercase1234"
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "iris", password=None)
            credentials = ec.users.credentials(user.id)
            with pytest.raises(ec_async.BadRequest) as short:
                facade.run(credentials.create_password("Sh0rt!"))
            with pytest.raises(ec_async.BadRequest) as plain:
                facade.run(credentials.create_password(weak))

        assert "PASSWORD_INVALID_LENGTH" == short.value.error_code
        assert "credentialCreator.credentialKey" == plain.value.argument_name
        assert weak not in str(plain.value)
        assert weak not in repr(plain.value.body)

    def test_lockout_after_failed_logins_and_unlock(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Three wrong passwords lock the credential; after unlock it works again."""
        with admin_client(facade, emulator) as ec:
            _user, password = new_user(facade, ec, "jack")
        assert password is not None
        wrong = {"username": "jack", "password": "Wrong-Passw0rd!"}
        for _ in range(MAX_FAILURES):
            with pytest.raises(ec_async.AuthenticationError):
                _login_with(facade, emulator, wrong)

        with pytest.raises(ec_async.AuthenticationError):
            _login(facade, emulator, "jack")
        with admin_client(facade, emulator) as ec:
            locked = facade.run(ec.credentials.get(password.id))
            facade.run(ec.credentials.unlock(password.id))
            unlocked = facade.run(ec.credentials.get(password.id))
        _login(facade, emulator, "jack")

        assert MAX_FAILURES == locked.login_failures
        assert locked.lockout_reset is not None
        assert (0, None) == (unlocked.login_failures, unlocked.lockout_reset)

    def test_count_query_and_delete(self, facade: Facade, emulator: Emulator) -> None:
        """A scope's credentials are counted and queried; a deleted one is gone."""
        with admin_client(facade, emulator) as ec:
            before = facade.run(ec.credentials.count())
            user, password = new_user(facade, ec, "otto")
            assert password is not None
            queried = facade.run(ec.credentials.query(limit=None))
            facade.run(ec.credentials.delete(password.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.credentials.get(password.id))
            after = facade.run(ec.credentials.count())

        assert before == after
        assert before + 1 == len(queried)
        assert password.id in {credential.id for credential in queried}
        with pytest.raises(ec_async.AuthenticationError):
            _login(facade, emulator, user.name)

    def test_available_types(self, facade: Facade, emulator: Emulator) -> None:
        """Without OpenID Connect, a server takes passwords and API keys."""
        with admin_client(facade, emulator) as ec:
            types = facade.run(ec.credentials.available_types())

        assert {"PASSWORD", "API_KEY"} == types

    def test_openid_login_is_refused_without_the_plug_in(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """/authentication/jwt answers 401 where no OpenID provider is set up."""
        tokens = OpenIdConnectTokens("an-access-token", "an-id-token")

        with pytest.raises(ec_async.AuthenticationError):
            _login_with(facade, emulator, {"credentials_provider": lambda: tokens})


def _login_with(facade: Facade, emulator: Emulator, options: Mapping[str, Any]) -> None:
    """Log in with client ``options`` and out again; raise if refused."""
    with facade.client(emulator.base_url, **options):
        return


class TestPasswords:
    """A user's own password change, and an administrator's reset."""

    def test_change_own_password(self, facade: Facade, emulator: Emulator) -> None:
        """After a change the new password logs in and the old one does not."""
        with admin_client(facade, emulator) as ec:
            new_user(facade, ec, "kate")
        with client_of(facade, emulator, "kate") as kate:
            changed = facade.run(kate.me.change_password(USER_PASSWORD, NEW_PASSWORD))

        assert CredentialType.PASSWORD == changed.credential_type
        _login_with(facade, emulator, {"username": "kate", "password": NEW_PASSWORD})
        with pytest.raises(ec_async.AuthenticationError):
            _login(facade, emulator, "kate")

    def test_wrong_current_password_is_refused_once(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A wrong current password raises AuthenticationError and counts one failure."""
        with admin_client(facade, emulator) as ec:
            _, password = new_user(facade, ec, "liam")
        assert password is not None
        with client_of(facade, emulator, "liam") as liam:
            with pytest.raises(ec_async.AuthenticationError):
                facade.run(liam.me.change_password("Not-The-Passw0rd!", NEW_PASSWORD))
            profile = facade.run(liam.me.profile())
        with admin_client(facade, emulator) as ec:
            credential = facade.run(ec.credentials.get(password.id))

        # The session survived, and the password was not sent a second time.
        assert UserProfile() == profile
        assert 1 == credential.login_failures
        assert 0 == emulator.counters.refreshes

    def test_admin_reset_replaces_the_password(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A reset answers a new credential; the user logs in with the new password."""
        with admin_client(facade, emulator) as ec:
            user, old = new_user(facade, ec, "mona")
            reset = facade.run(
                ec.users.credentials(user.id).reset_password(NEW_PASSWORD)
            )

        assert old is not None
        assert reset is not None
        assert old.id != reset.id
        _login_with(facade, emulator, {"username": "mona", "password": NEW_PASSWORD})

    def test_deprecated_reset_by_credential_id(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The reset by credential id works in the caller's own account."""
        with admin_client(facade, emulator) as ec:
            _, old = new_user(facade, ec, "nina")
            assert old is not None
            reset = facade.run(ec.credentials.reset_password(old.id, NEW_PASSWORD))

        assert reset is not None
        assert "PASSWORD" == reset.credential_type
        _login_with(facade, emulator, {"username": "nina", "password": NEW_PASSWORD})


class TestMfa:
    """Turning MFA on, and logging in with a TOTP code, a scratch code or trust."""

    def test_login_needs_a_code_once_mfa_is_on(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Without a code: MfaRequired; a wrong one fails; the current code logs in."""
        with admin_client(facade, emulator) as ec:
            new_user(facade, ec, "olga")
        with client_of(facade, emulator, "olga") as olga:
            option = facade.run(olga.me.mfa.create())
        secret = option.mfa_secret_key
        assert secret is not None

        with pytest.raises(ec_async.MfaRequired):
            _login(facade, emulator, "olga")
        wrong = UsernamePassword("olga", USER_PASSWORD, authentication_code="000000")
        with pytest.raises(ec_async.AuthenticationError) as refused:
            _login_with(facade, emulator, {"credentials_provider": lambda: wrong})

        def fresh() -> UsernamePassword:
            code = emulator.admin.totp_code(secret)
            return UsernamePassword("olga", USER_PASSWORD, authentication_code=code)

        with facade.client(emulator.base_url, credentials_provider=fresh) as olga:
            assert olga.user_id == option.user_id
        assert not isinstance(refused.value, ec_async.MfaRequired)

    def test_create_shows_secrets_once(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Creation shows the secret and five scratch codes; a read shows neither."""
        with admin_client(facade, emulator) as ec:
            created = facade.run(ec.me.mfa.create())
            read = facade.run(ec.me.mfa.get())
            with pytest.raises(ec_async.Conflict):
                facade.run(ec.me.mfa.create())

        assert created.mfa_secret_key is not None
        assert 5 == len(created.scratch_codes)
        assert created.mfa_secret_key not in repr(created)
        assert (None, []) == (read.mfa_secret_key, read.scratch_codes)

    def test_scratch_code_works_once(self, facade: Facade, emulator: Emulator) -> None:
        """A scratch code stands in for a TOTP code, once."""
        with admin_client(facade, emulator) as ec:
            new_user(facade, ec, "pete")
        with client_of(facade, emulator, "pete") as pete:
            option = facade.run(pete.me.mfa.create())
        scratch = option.scratch_codes[0].scratch_code
        assert scratch is not None
        login = UsernamePassword("pete", USER_PASSWORD, authentication_code=scratch)
        options = {"credentials_provider": lambda: login}

        _login_with(facade, emulator, options)
        with pytest.raises(ec_async.AuthenticationError):
            _login_with(facade, emulator, options)

    def test_trusted_machine_skips_the_code_until_disabled(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """trust_me gives a trust key that logs in alone, until trust is disabled."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "quinn")
        secret = emulator.admin.enable_mfa(user.id)
        code = emulator.admin.totp_code(secret)
        first = UsernamePassword(
            "quinn", USER_PASSWORD, authentication_code=code, trust_me=True
        )
        with facade.client(emulator.base_url, credentials_provider=lambda: first) as q:
            assert q.access_token is not None
            trust_key = q.access_token.trust_key
        assert trust_key is not None
        trusted = UsernamePassword("quinn", USER_PASSWORD, trust_key=trust_key)
        options = {"credentials_provider": lambda: trusted}

        _login_with(facade, emulator, options)
        with admin_client(facade, emulator) as ec:
            before = facade.run(ec.users.mfa(user.id).get())
            facade.run(ec.users.mfa(user.id).disable_trust())
        with pytest.raises(ec_async.AuthenticationError):
            _login_with(facade, emulator, options)
        assert before.has_trust_me is True

    def test_own_mfa_on_and_off_in_one_session(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """MFA turned on (per-user path, for oneself) and off again in a session."""
        with admin_client(facade, emulator) as ec:
            assert ec.user_id is not None
            created = facade.run(ec.users.mfa(ec.user_id).create())
            facade.run(ec.me.mfa.disable_trust())
            facade.run(ec.me.mfa.delete())
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.me.mfa.get())

        assert emulator.admin.user_id(ADMIN) == created.user_id
        with admin_client(facade, emulator):
            pass  # no code needed any more

    def test_admin_reads_and_removes_but_cannot_create(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An administrator sees and turns off a user's MFA, but cannot turn it on."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "rita")
            with pytest.raises(ec_async.PermissionDenied) as self_only:
                facade.run(ec.users.mfa(user.id).create())
            emulator.admin.enable_mfa(user.id)
            option = facade.run(ec.users.mfa(user.id).get())
            facade.run(ec.users.mfa(user.id).delete())
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.users.mfa(user.id).get())

        assert "SELF_MANAGED_ONLY" == self_only.value.error_code
        assert user.id == option.user_id
        _login(facade, emulator, "rita")


class TestPermissions:
    """What a user's grants let them do with users and credentials."""

    def test_no_user_read_no_listing(self, facade: Facade, emulator: Emulator) -> None:
        """Without user:read, listing users raises PermissionDenied naming it."""
        limited_user(emulator, "viewer", [("device", "read")])

        with (
            client_of(facade, emulator, "viewer") as viewer,
            pytest.raises(ec_async.PermissionDenied) as raised,
        ):
            facade.run(viewer.users.list())

        assert raised.value.permission is not None
        assert ("user", "read") == (
            raised.value.permission["domain"],
            raised.value.permission["action"],
        )

    def test_reader_reads_but_cannot_write(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """user:read lists users; creating one needs user:write."""
        limited_user(emulator, "reader", [("user", "read")])
        with admin_client(facade, emulator) as ec:
            everyone = {user.name for user in facade.collect(ec.users.iter())}

        with client_of(facade, emulator, "reader") as reader:
            names = {user.name for user in facade.run(reader.users.list())}
            with pytest.raises(ec_async.PermissionDenied) as raised:
                facade.run(reader.users.create(UserCreator(name="intruder")))
            with pytest.raises(ec_async.PermissionDenied):
                facade.run(reader.credentials.list())

        assert {ADMIN, "reader"} <= everyone
        assert everyone == names
        assert raised.value.permission is not None
        assert "write" == raised.value.permission["action"]

    def test_login_info_lists_the_grants(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """login_info() returns the caller's token and direct permissions."""
        limited_user(emulator, "grantee", [("user", "read"), ("credential", "read")])

        with client_of(facade, emulator, "grantee") as grantee:
            info = facade.run(grantee.me.login_info())
            token = grantee.access_token

        assert token is not None
        assert token.id == info.access_token.id
        assert {("user", "read"), ("credential", "read")} == {
            (p.permission.domain, p.permission.action) for p in info.access_permissions
        }
        assert [] == info.role_permissions


class TestProfile:
    """A user's own profile."""

    def test_read_modify_write(self, facade: Facade, emulator: Emulator) -> None:
        """A changed profile reads back, and shows on the user as well."""
        with admin_client(facade, emulator) as ec:
            user, _ = new_user(facade, ec, "sara")
        with client_of(facade, emulator, "sara") as sara:
            profile = facade.run(sara.me.profile())
            facade.run(
                sara.me.update_profile(
                    attrs.evolve(profile, display_name="Sara S.", phone_number="+39 1")
                )
            )
            updated = facade.run(sara.me.profile())
        with admin_client(facade, emulator) as ec:
            fetched = facade.run(ec.users.get(user.id))

        assert UserProfile(display_name="Sara S.", phone_number="+39 1") == updated
        assert ("Sara S.", "+39 1") == (fetched.display_name, fetched.phone_number)
