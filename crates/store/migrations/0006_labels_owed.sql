-- 0006: the labels an imported file still owes. Never edit once released; add 0007 instead.

-- A hot folder that prints a label for every imported row writes the rows' identifiers here (one
-- a line) in the import's own transaction, and clears them once the print queue holds the labels:
-- a crash between the two leaves them here, and the watcher queues them when it starts again.
ALTER TABLE imported_files ADD COLUMN labels_owed TEXT;
CREATE INDEX imported_files_labels_owed ON imported_files (imported_at)
    WHERE labels_owed IS NOT NULL;
