# The data folder: backup, restore, verification.

backup-done = Backup written and verified: { $path } ({ $instruments } instruments, { $entries } audit entries)
restore-done = Restored from { $path } ({ $instruments } instruments)
restore-previous-kept = The database before the restore is kept as { $path }
restore-confirm = This replaces the current database with { $backup } → { $folder }
restore-confirm-prompt = (the current one is kept aside) Type yes to confirm:
restore-not-confirmed = Not confirmed, nothing changed; add --yes to confirm
audit-intact = Audit chain intact: { $entries } entries
data-consistent = Instruments, outbox and audit agree: { $instruments } / { $ops } / { $entries }
data-inconsistent = Inconsistent: { $detail }
