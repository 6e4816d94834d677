-- Hardening (issue 12): account lifecycle, devices acting as themselves, GS1 company prefixes
-- per enterprise, and Handle value permissions.

-- A lockout the operator lifts, and a password its owner must replace at the next sign-in.
ALTER TABLE users ADD COLUMN locked_at TEXT;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- The operator `init` created signs in with the admin secret (the same hash): it must choose
-- its own password, so the secret Handle clients use is not also the operator's for ever.
UPDATE users SET must_change_password = 1
    WHERE role = 'operator'
      AND password_hash = (SELECT admin_secret_hash FROM node_config WHERE id = 1);

-- A registered workstation signs in as itself (a device, limited to sync) until revoked.
ALTER TABLE devices ADD COLUMN revoked_at TEXT;
CREATE TABLE device_tokens (
    token_sha256 TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES devices (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) WITHOUT ROWID;
CREATE INDEX device_tokens_by_device ON device_tokens (device_id);

-- The GS1 company prefixes an enterprise owns, set by the operator: a GS1 key is accepted on a
-- record only under the enterprise whose company prefix it carries.
CREATE TABLE gs1_prefixes (
    company_prefix TEXT PRIMARY KEY,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises (id),
    assigned_at    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX gs1_prefixes_by_enterprise ON gs1_prefixes (enterprise_id);

-- Handle value permissions: who calibrated and approved an instrument and where it is kept are
-- readable by the owning enterprise only (`"permissions": "1100"`) ...
UPDATE handles SET values_json = (
        SELECT json_group_array(
                   CASE WHEN json_extract(v.value, '$.type')
                             IN ('IDS.LOCATION', 'IDS.CALIBRATED_BY', 'IDS.APPROVED_BY')
                        THEN json_set(v.value, '$.permissions', '1100')
                        ELSE json(v.value) END
                   ORDER BY v.key)
        FROM json_each(handles.values_json) AS v)
    WHERE EXISTS (
        SELECT 1 FROM json_each(handles.values_json) AS v
        WHERE json_extract(v.value, '$.type')
              IN ('IDS.LOCATION', 'IDS.CALIBRATED_BY', 'IDS.APPROVED_BY'));
-- ... and the public answer is kept beside the full one, so resolution still serves stored
-- text without parsing it. NULL: every value is public.
ALTER TABLE handles ADD COLUMN public_json TEXT;
UPDATE handles SET public_json = (
        SELECT json_group_array(json(v.value) ORDER BY v.key)
        FROM json_each(handles.values_json) AS v
        WHERE coalesce(json_extract(v.value, '$.permissions'), '1110') GLOB '??1?')
    WHERE EXISTS (
        SELECT 1 FROM json_each(handles.values_json) AS v
        WHERE coalesce(json_extract(v.value, '$.permissions'), '1110') NOT GLOB '??1?');
