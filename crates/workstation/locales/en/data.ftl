# The data folder: backup, restore, verification.

backup-done = Backup written and verified: { $path } ({ $instruments } instruments, { $entries } audit entries)
restore-done = Restored from { $path } ({ $instruments } instruments)
restore-previous-kept = The database before the restore is kept as { $path }
restore-numbers-carried = Identifiers and order numbers issued since the backup will not be issued again (this computer's counters were kept)
restore-leases-set-aside = There was no earlier database here to compare with, so the numbers left in the backup's { $leases } identifier leases are set aside (labels printed after the backup may carry them). Sync to get new ones before registering instruments
restore-confirm = This replaces the current database with { $backup } → { $folder }
restore-confirm-prompt = (the current one is kept aside) Type yes to confirm:
restore-not-confirmed = Not confirmed, nothing changed; add --yes to confirm
audit-intact = Audit chain intact: { $entries } entries
data-consistent = Instruments, outbox and audit agree: { $instruments } / { $ops } / { $entries }
data-inconsistent = Inconsistent: { $detail }
