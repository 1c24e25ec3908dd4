"""The emulator's SQLite schema: one table per Kapua entity, times in epoch ms.

Column names are the wire attribute names in snake case, so most entities can
be written out generically (see ``_wire.row_fields``).
"""

from __future__ import annotations

__all__ = ["SCHEMA", "SCHEMA_VERSION"]

SCHEMA_VERSION = "1"

_AUDIT = """
    created_on INTEGER NOT NULL,
    created_by INTEGER,
    modified_on INTEGER NOT NULL,
    modified_by INTEGER,
    optlock INTEGER NOT NULL
"""

_PERMISSION = """
    domain TEXT,
    action TEXT,
    target_scope_id INTEGER,
    group_id INTEGER,
    forwardable INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    created_by INTEGER
"""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    organization_name TEXT,
    organization_person_name TEXT,
    organization_email TEXT,
    organization_phone_number TEXT,
    organization_address_line1 TEXT,
    organization_address_line2 TEXT,
    organization_address_line3 TEXT,
    organization_zip_post_code TEXT,
    organization_city TEXT,
    organization_state_province_county TEXT,
    organization_country TEXT,
    expiration_date INTEGER,
    parent_account_path TEXT NOT NULL,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS accounts_by_scope ON accounts (scope_id, name);

CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    status TEXT NOT NULL,
    display_name TEXT,
    email TEXT,
    phone_number TEXT,
    user_type TEXT NOT NULL,
    external_id TEXT,
    external_username TEXT,
    expiration_date INTEGER,
    {_AUDIT}
);

CREATE TABLE IF NOT EXISTS credentials (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    credential_type TEXT NOT NULL,
    credential_key TEXT NOT NULL,
    status TEXT NOT NULL,
    expiration_date INTEGER,
    login_failures INTEGER NOT NULL DEFAULT 0,
    first_login_failure INTEGER,
    login_failures_reset INTEGER,
    lockout_reset INTEGER,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS credentials_by_user ON credentials (user_id, credential_type);

CREATE TABLE IF NOT EXISTS access_infos (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL UNIQUE,
    {_AUDIT}
);

CREATE TABLE IF NOT EXISTS access_permissions (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    access_info_id INTEGER NOT NULL,
    {_PERMISSION}
);
CREATE INDEX IF NOT EXISTS access_permissions_by_info
    ON access_permissions (access_info_id);

CREATE TABLE IF NOT EXISTS roles (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    {_AUDIT},
    UNIQUE (scope_id, name)
);

CREATE TABLE IF NOT EXISTS role_permissions (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    role_id INTEGER NOT NULL,
    {_PERMISSION}
);
CREATE INDEX IF NOT EXISTS role_permissions_by_role ON role_permissions (role_id);

CREATE TABLE IF NOT EXISTS access_roles (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    access_info_id INTEGER NOT NULL,
    role_id INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    created_by INTEGER
);
CREATE INDEX IF NOT EXISTS access_roles_by_info ON access_roles (access_info_id);

CREATE TABLE IF NOT EXISTS access_tokens (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    token_id TEXT NOT NULL,
    token_identifier TEXT NOT NULL UNIQUE,
    expires_on INTEGER NOT NULL,
    refresh_token TEXT NOT NULL,
    refresh_expires_on INTEGER NOT NULL,
    invalidated_on INTEGER,
    trust_key TEXT,
    {_AUDIT}
);

CREATE TABLE IF NOT EXISTS device_connections (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id INTEGER,
    allow_user_change INTEGER NOT NULL DEFAULT 0,
    user_coupling_mode TEXT,
    reserved_user_id INTEGER,
    authentication_type TEXT,
    last_authentication_type TEXT,
    protocol TEXT,
    client_ip TEXT,
    server_ip TEXT,
    {_AUDIT},
    UNIQUE (scope_id, client_id)
);
CREATE INDEX IF NOT EXISTS device_connections_by_status
    ON device_connections (scope_id, status);

CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    group_id INTEGER,
    client_id TEXT NOT NULL,
    connection_id INTEGER,
    status TEXT NOT NULL,
    display_name TEXT,
    last_event_id INTEGER,
    serial_number TEXT,
    model_id TEXT,
    model_name TEXT,
    imei TEXT,
    imsi TEXT,
    iccid TEXT,
    bios_version TEXT,
    firmware_version TEXT,
    os_version TEXT,
    jvm_version TEXT,
    osgi_framework_version TEXT,
    application_framework_version TEXT,
    connection_interface TEXT,
    connection_ip TEXT,
    application_identifiers TEXT,
    accept_encoding TEXT,
    custom_attribute1 TEXT,
    custom_attribute2 TEXT,
    custom_attribute3 TEXT,
    custom_attribute4 TEXT,
    custom_attribute5 TEXT,
    tamper_status TEXT,
    extended_properties TEXT NOT NULL DEFAULT '[]',
    tag_ids TEXT NOT NULL DEFAULT '[]',
    {_AUDIT},
    UNIQUE (scope_id, client_id)
);
CREATE INDEX IF NOT EXISTS devices_by_connection ON devices (connection_id);
-- Paging by id within a scope (what iter() asks for) reads the index in order
-- instead of sorting the scope's devices for every page.
CREATE INDEX IF NOT EXISTS devices_by_scope_and_id ON devices (scope_id, id);
"""
