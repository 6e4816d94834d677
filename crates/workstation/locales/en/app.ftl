# The desktop shell's own words (its screens' words are in ui/src/lib/i18n.ts).

app-cannot-start = IDStation cannot start: { $error }

update-unavailable = This build cannot update itself
update-check-failed = Update check failed: { $error }
update-none = There is no update to install
update-busy-syncing = A sync is running: install the update after it
update-install-failed = Installing the update failed: { $error }

# The system file dialog (choose_path).
dialog-backup-title = Save a backup of the data
dialog-restore-title = Choose the backup to restore
dialog-backup-filter = IDStation backup
dialog-data-dir-title = Choose the data folder
dialog-hot-folder-title = Choose a folder to watch for files to import
dialog-hot-sample-title = Choose a sample file to check its columns
dialog-hot-sample-filter = Tables (CSV, Excel, JSON)
dialog-attachment-title = Choose an attachment (licence, ID photo, letter of authorisation…)
dialog-report-folder-title = Choose the folder for the report's PDF and CSV
dialog-attachment-filter = Pictures or PDF (JPG, PNG, PDF, up to 10 MB)
