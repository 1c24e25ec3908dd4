"""The emulator's SQLite schema: one table per Kapua entity, times in epoch ms.

Column names are the wire attribute names in snake case, so most entities can
be written out generically (see ``_wire.row_fields``).
"""

from __future__ import annotations

from ec_async.emulator._domains import domain_rows_sql

__all__ = ["SCHEMA", "SCHEMA_VERSION"]

# 2: service configurations (a store seeded before them allows no creates),
# domains, groups, tags and endpoint infos.
SCHEMA_VERSION = "5"

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

# The registries of the datastore keep a message span, not an audit trail.
_FIRST_LAST = """
    first_message_id TEXT,
    first_message_on INTEGER,
    last_message_id TEXT,
    last_message_on INTEGER
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

CREATE TABLE IF NOT EXISTS mfa_options (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL UNIQUE,
    mfa_secret_key TEXT NOT NULL,
    trust_key TEXT,
    trust_expiration_date INTEGER,
    {_AUDIT}
);

CREATE TABLE IF NOT EXISTS scratch_codes (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    mfa_option_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    created_on INTEGER NOT NULL,
    created_by INTEGER
);
CREATE INDEX IF NOT EXISTS scratch_codes_by_option ON scratch_codes (mfa_option_id);

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

CREATE TABLE IF NOT EXISTS domains (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER,
    name TEXT NOT NULL UNIQUE,
    actions TEXT NOT NULL,
    groupable INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    created_by INTEGER DEFAULT 1
);
{domain_rows_sql()}
CREATE TABLE IF NOT EXISTS access_groups (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    {_AUDIT},
    UNIQUE (scope_id, name)
);

CREATE TABLE IF NOT EXISTS tags (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    {_AUDIT},
    UNIQUE (scope_id, name)
);

CREATE TABLE IF NOT EXISTS endpoint_infos (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    schema TEXT NOT NULL,
    dns TEXT NOT NULL,
    port INTEGER NOT NULL,
    secure INTEGER NOT NULL DEFAULT 0,
    usages TEXT NOT NULL DEFAULT '[]',
    endpoint_type TEXT NOT NULL,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS endpoint_infos_by_scope
    ON endpoint_infos (scope_id, endpoint_type);

CREATE TABLE IF NOT EXISTS service_configs (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    pid TEXT NOT NULL,
    properties TEXT NOT NULL,
    {_AUDIT},
    UNIQUE (scope_id, pid)
);

CREATE TABLE IF NOT EXISTS device_events (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    sent_on INTEGER,
    received_on INTEGER NOT NULL,
    position TEXT,
    resource TEXT NOT NULL,
    action TEXT NOT NULL,
    response_code TEXT NOT NULL,
    event_message TEXT,
    created_on INTEGER NOT NULL,
    created_by INTEGER
);
CREATE INDEX IF NOT EXISTS device_events_by_device
    ON device_events (device_id, received_on);

CREATE TABLE IF NOT EXISTS device_operations (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    app_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    started_on INTEGER NOT NULL,
    ended_on INTEGER,
    operation_properties TEXT NOT NULL DEFAULT '[]',
    log TEXT,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS device_operations_by_device
    ON device_operations (device_id, started_on);

CREATE TABLE IF NOT EXISTS device_notifications (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    sent_on INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    created_by INTEGER
);
CREATE INDEX IF NOT EXISTS device_notifications_by_operation
    ON device_notifications (operation_id, sent_on);

-- What a simulated device holds (configurations, bundles, packages, ...), as
-- JSON; created the first time the device is managed.
CREATE TABLE IF NOT EXISTS device_contents (
    device_id INTEGER PRIMARY KEY,
    contents TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS data_messages (
    datastore_id TEXT NOT NULL UNIQUE,
    scope_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    device_id INTEGER,
    client_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    received_on INTEGER,
    sent_on INTEGER,
    captured_on INTEGER,
    position TEXT,
    metrics TEXT NOT NULL DEFAULT '[]',
    body TEXT
);
CREATE INDEX IF NOT EXISTS data_messages_by_time
    ON data_messages (scope_id, timestamp, datastore_id);
CREATE INDEX IF NOT EXISTS data_messages_by_client
    ON data_messages (scope_id, client_id, timestamp);

CREATE TABLE IF NOT EXISTS data_clients (
    id TEXT PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    {_FIRST_LAST}
);
CREATE INDEX IF NOT EXISTS data_clients_by_scope ON data_clients (scope_id, client_id);

CREATE TABLE IF NOT EXISTS data_channels (
    id TEXT PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    {_FIRST_LAST}
);
CREATE INDEX IF NOT EXISTS data_channels_by_scope
    ON data_channels (scope_id, client_id, name);

CREATE TABLE IF NOT EXISTS data_metrics (
    id TEXT PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    name TEXT NOT NULL,
    metric_type TEXT NOT NULL,
    {_FIRST_LAST}
);
CREATE INDEX IF NOT EXISTS data_metrics_by_scope
    ON data_metrics (scope_id, client_id, channel, name);

CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    {_AUDIT},
    UNIQUE (scope_id, name)
);

CREATE TABLE IF NOT EXISTS job_steps (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    job_step_definition_id INTEGER NOT NULL,
    step_index INTEGER NOT NULL,
    step_properties TEXT NOT NULL DEFAULT '[]',
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS job_steps_by_job ON job_steps (job_id, step_index);

CREATE TABLE IF NOT EXISTS job_targets (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    job_target_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    step_index INTEGER NOT NULL,
    status_message TEXT,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS job_targets_by_job ON job_targets (job_id, status);

CREATE TABLE IF NOT EXISTS job_executions (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    started_on INTEGER,
    ended_on INTEGER,
    log TEXT NOT NULL DEFAULT '',
    target_ids TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS job_executions_by_job
    ON job_executions (job_id, started_on);

CREATE TABLE IF NOT EXISTS job_triggers (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    starts_on INTEGER,
    ends_on INTEGER,
    trigger_definition_id INTEGER NOT NULL,
    trigger_properties TEXT NOT NULL DEFAULT '[]',
    next_fire_on INTEGER,
    {_AUDIT}
);
CREATE INDEX IF NOT EXISTS job_triggers_by_job ON job_triggers (job_id, name);

CREATE TABLE IF NOT EXISTS fired_triggers (
    id INTEGER PRIMARY KEY,
    scope_id INTEGER NOT NULL,
    trigger_id INTEGER NOT NULL,
    fired_on INTEGER NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    created_on INTEGER NOT NULL,
    created_by INTEGER
);
CREATE INDEX IF NOT EXISTS fired_triggers_by_trigger
    ON fired_triggers (trigger_id, fired_on);
"""
