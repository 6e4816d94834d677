# Error messages: identifiers, fields, the database, imports, the audit chain, the workstation.
# Every key here is in ../zh-CN/errors.ftl too, with the same $arguments (a test checks).

## Identifiers (idstation_model::IdentifierError)

id-empty = identifier is empty
id-too-long = identifier is { $len } bytes long; at most { $max } bytes are accepted
id-unrecognised = unrecognised identifier; accepted forms: handle (88.118.8/ABC-123, hdl:88.118.8/ABC-123 or an http(s) resolver URL), GS1 Digital Link URL (/01/<GTIN>/21/<serial> or /8004/<GIAI>), GS1 element string ((01)<GTIN>(21)<serial> or (8004)<GIAI>), oid:<arcs>, urn:oid:<arcs>, did:<method>:<id>, ecode:<code>, bid:<code>, vaa:<code>
id-unknown-code-type = unknown code type "{ $name }"; expected one of Handle, OID, DID, BID, VAA, Ecode, GS1
id-not-a-handle = expected a handle but found a { $found } identifier
id-invalid-prefix = invalid handle prefix "{ $prefix }": expected dot-separated digit groups under 88 (e.g. 88.118.8), at most 64 bytes
id-missing-suffix = handle has no suffix; expected <prefix>/<suffix>, e.g. 88.118.8/ABC-123
id-suffix-too-long = handle suffix is { $len } bytes long; at most { $max } bytes are allowed
id-suffix-control-character = handle suffix contains the control character { $ch }
id-suffix-whitespace = handle suffix must not start or end with whitespace
id-invalid-url = malformed URL
id-url-path = URL path contains neither a handle (88.x/...) nor a GS1 key (/01/... or /8004/...)
id-percent-encoding = invalid percent-encoding (must be %XX escapes of valid UTF-8)
id-gtin-length = GTIN has { $len } digits; expected 8, 12, 13 or 14 digits
id-gtin-not-numeric = GTIN must consist of digits only
id-gtin-check-digit = GTIN check digit is { $found }, expected { $expected }
id-gs1-missing-serial = GS1 key has a GTIN but no serial number (AI 21); an instrument needs a serial
id-gs1-invalid-serial = GS1 serial number (AI 21) must be 1 to 20 characters from GS1 character set 82
id-gs1-invalid-giai = GIAI (AI 8004) must be 1 to 30 characters from GS1 character set 82
id-gs1-unsupported-ai = unsupported or misplaced GS1 application identifier ({ $ai })
id-gs1-missing-value = GS1 application identifier ({ $ai }) has no value
id-gs1-duplicate-ai = GS1 application identifier ({ $ai }) appears more than once
id-invalid-oid = invalid OID: expected dotted decimal arcs starting with 0, 1 or 2, at least two arcs, no leading zeros
id-invalid-did = invalid DID: expected did:<method>:<id> with a lower-case method name
id-invalid-ecode = invalid Ecode: expected 1 to 32 characters 0-9 or A-Z
id-invalid-bid = invalid BID: expected 1 to 128 printable ASCII characters without spaces
id-invalid-vaa = invalid VAA: expected 1 to 128 printable ASCII characters without spaces

## Fields (idstation_model::FieldError): "<field>: <problem>"

field-error = { $field }: { $problem }
field-required = required
field-too-long = too long ({ $actual } characters, at most { $max })
field-invalid-date = '{ $value }' is not a valid date (YYYY-MM-DD)
field-invalid-number = '{ $value }' is not a valid number
field-invalid-boolean = '{ $value }' should be yes or no
field-unknown-status = unknown status '{ $value }'; choose in_use, restricted, stopped or scrapped
field-unknown-result = unknown result '{ $value }'; choose pass, restricted or fail
field-due-before-last = next due date is before the calibration date
field-not-in-template = not a field of metadata template { $template }
field-control-character = contains control characters
field-foreign-prefix = is not under this enterprise's prefix { $expected }

## The workstation's database (idstation_store::StoreError)

store-not-initialised = no workstation database at { $path }; run `idstation init` first
store-already-initialised = a workstation database already exists at { $path }
store-not-found = instrument { $id } is not registered
store-already-exists = instrument { $id } is already registered
store-deleted = instrument { $id } was deleted; undelete it first
store-not-deleted = instrument { $id } is not deleted
store-version-conflict = instrument { $id } changed meanwhile (version { $expected } expected, { $actual } found)
store-identifier-immutable = an instrument's identifier cannot be changed ({ $id })
store-backup-invalid = the backup { $path } cannot be used: { $reason }
store-file-exists = { $path } already exists; choose another file name
store-corrupt = the database is damaged: { $detail }
store-sqlite = database error: { $detail }
store-migration = database migration failed: { $detail }
store-json = stored data could not be read: { $detail }
store-io = file error: { $detail }
store-no-lease = no leased identifiers left; sync while online to lease more
store-conflict-resolved = conflict { $id } is already resolved
store-template-not-found = Template '{ $name }' not found
store-printer-not-found = Printer '{ $name }' not found
store-job-not-found = PrintJob '{ $name }' not found
store-printer-exists = a printer named '{ $name }' already exists
store-job-state = print job { $id } is { $state }

## Import files

import-rejected = { $total } rows of { $file } are invalid; nothing was imported (first { $shown } shown):
import-line = line { $line }
import-malformed = malformed: { $detail }
import-duplicate = same identifier as line { $line }
import-already-registered = instrument { $id } is already registered
import-unknown-column = unknown column '{ $column }'
import-bad-encoding = byte { $offset } on is not valid { $encoding } text (the file may be damaged or in another encoding); save it from Excel as "CSV UTF-8" and import again

## The audit chain

audit-gap = audit entry missing: expected #{ $expected }, found #{ $found } (an entry was removed)
audit-broken-link = audit entry #{ $seq } does not link to its predecessor
audit-tampered = audit entry #{ $seq } does not match its hash (it was altered)
audit-head-mismatch = audit head says #{ $head } but the last entry is #{ $last } (tail removed or head altered)
audit-op-tampered = the operation of audit entry #{ $seq } is missing or does not match its hash (it was altered)

## The workstation's own errors (WsError)

ws-invalid-input = Invalid input, nothing was saved:
ws-invalid-identifier = Invalid identifier: { $problem }
ws-unknown-field = unknown field '{ $key }'. Known fields: { $known }; template fields as attr.<name>
ws-unsupported-file = unsupported file type: { $path } (use .csv or .jsonl)
ws-io = cannot read or write { $path }: { $error }
ws-invalid-prefix = invalid enterprise prefix '{ $prefix }': expected digit groups under 88, e.g. 88.118.8
ws-printer-not-ready = printer { $name } is not ready: { $status }
ws-invalid-printer = invalid printer profile, nothing saved: { $problems }
ws-unknown-template = no label template named '{ $name }' (built in: identifier, cal-pass, cal-restricted, cal-fail)
ws-not-a-printer-port = '{ $value }' is not a printer port. The app prints to network printers (tcp://host:9100), CUPS queues (cups://queue) and printer ports such as /dev/usb/lp0, /dev/ttyUSB0, COM3 or LPT1, never to a file
ws-path-not-chosen = '{ $path }' was not chosen in the file dialog; choose it with the Choose… button
ws-invalid-setting = invalid value '{ $value }' for { $key }
ws-reason-required = a reprint needs a reason (--reason)
ws-merged-value-empty = type the merged value, or keep one side's value; nothing was changed
ws-in-batch = label for { $id }: { $error } (nothing in the batch was queued)

## Lists inside a message: "a, b, c"; clauses: "a, b"

list-separator = {", "}
clause-separator = {", "}
ws-unknown-scan = "{ $text }" is not an identifier, and no instrument here has it as asset number, serial number or identifier suffix. Scan the QR code on the instrument's label, or search the instrument list.
