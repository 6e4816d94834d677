# What the `idstation` command line prints.

cli-error = Error: { $message }
cli-unsupported-language = unsupported language '{ $lang }': use zh-CN or en
cli-password = Password:

## Progress on a terminal

cli-progress-backup = backup
cli-progress-restore = restore
cli-progress-demo = demo
cli-progress-import = import
cli-progress-printing = printing

## `status`

cli-device = Device
cli-prefix = Prefix
cli-data-folder = Data folder
cli-instruments = Instruments
cli-pending-ops = Pending ops

## Instruments

cli-registered = Registered { $id } { $name } (version { $version })
cli-saved = Saved { $id } { $name } (version { $version })
cli-unchanged = Nothing changed for { $id }
cli-deleted = Deleted { $id } { $name }
cli-undo-delete = To undo: idstation instrument undelete { $id }
cli-imported = Instruments imported: { $count }
cli-live-status = Live status
cli-deleted-at = Deleted at
cli-history = History:
cli-no-instruments = No instruments match
cli-col-identifier = Identifier
cli-col-name = Name
cli-col-model = Model
cli-col-owner = Owner
cli-col-status = Status
cli-col-due = Next due
cli-deleted-status = deleted({ $status })
cli-more-results = …more results; raise --limit or refine the query

## `dashboard`, `resolve`

cli-total = instruments
cli-sync = sync
cli-pending = pending
cli-open-conflicts = open conflicts
cli-from-node = (from the node, not kept here)
cli-unknown-scan = neither this workstation nor the node knows it; register: idstation instrument add --id …

## `sync`, `conflicts`

cli-sync-report = synced: pushed { $pushed } (applied { $applied }, duplicate { $duplicates }, rejected { $rejected }, conflict { $conflicts }), pulled { $pulled }
cli-sync-refetched = {" "}(full refetch)
cli-sync-leased = , leased { $count } identifiers
cli-node = Node
cli-not-signed-in = not signed in
cli-rejected-ops = Rejected ops
cli-leased-left = Leased ids left
cli-last-success = Last success
cli-last-error = Last error
cli-none = none
cli-no-conflicts = No open conflicts
cli-conflict-sides = local { $local } / node { $node }

## `label`, `printer`

cli-label-rendered = Rendered { $file } ({ $format }, { $bytes } B) QR: { $qr }
cli-queue-processed = printed { $printed }, still queued { $queued }, failed { $failed }
cli-file-saved = Saved { $file }
cli-template-builtin = {" "}(built in)
cli-template-saved = Saved template { $name }
cli-qr-payload = QR payload: https://{ $host }/<identifier>
cli-qr-ecc = QR error correction: { $ecc }
cli-test-sent = Test label sent to { $name }
cli-printer-removed = Removed printer { $name }
cli-darkness = darkness { $darkness }
cli-no-jobs = No print jobs
cli-reprint-reason = reprint reason: { $reason }
cli-docking-field-count = { $count } fields
cli-docking-no-records = This table has no records yet
cli-uplink-resent = { $count } reports are queued to be sent again
