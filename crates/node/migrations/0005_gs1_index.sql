-- GS1 keys (Digital Link `/01/{gtin}/21/{serial}`, `/8004/{giai}`) of the handles that carry
-- them, so a phone scanning a GS1 code reaches the same record as its handle. The first handle
-- to claim a key keeps it.
CREATE TABLE gs1_keys (
    key    TEXT PRIMARY KEY,
    handle TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX gs1_keys_by_handle ON gs1_keys (handle);

-- A deleted handle gives up its keys, whichever path deleted it.
CREATE TRIGGER handles_delete_gs1_keys AFTER DELETE ON handles BEGIN
    DELETE FROM gs1_keys WHERE handle = old.handle;
END;
