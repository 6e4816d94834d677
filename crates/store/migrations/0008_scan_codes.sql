-- A scan of an old barcode (asset number, serial number, or an identifier's bare suffix) finds
-- the instrument without reading every row.
CREATE INDEX instruments_serial_no ON instruments (json_extract(body, '$.serial_no'))
    WHERE deleted_at IS NULL;
CREATE INDEX instruments_suffix ON instruments (upper(substr(identifier, instr(identifier, '/') + 1)))
    WHERE deleted_at IS NULL;
