# Hot folders: their settings, what the watcher says as it works, a refused file's problems.
# Every key here is in ../zh-CN/hotfolders.ftl too, with the same $arguments (a test checks).

## Errors (idstation_hotfolder::HotFolderError and the folder settings)

hot-folder-settings = hot folder settings, nothing changed: { $detail }
hot-folder-not-a-folder = { $path } is not a folder (a link to one is not watched either)
hot-folder-busy = { $path } is watched by another program already (the app or `idstation watch`); stop that one first
hot-folder-watch = cannot watch { $path }: { $detail }; choose polling for network shares
hot-folder-contended = the instruments this file names kept changing while it was imported; nothing was imported, try it again
hot-folder-stopped = the hot folders stopped: { $detail }
hot-folder-not-absolute = the hot folder { $path } must be given as a full path (from / or a drive letter)
hot-folder-data-folder = { $path } holds, or lies inside, the workstation's own data folder; choose another folder
hot-folder-twice = { $path } is set up twice as a hot folder
hot-folder-not-set = { $path } is not a hot folder of this workstation
hot-folder-none-set = no hot folder is set up ({ $path }); add one with `idstation hotfolder add FOLDER`

## A refused file's problems: where, then why

file-problem-file = { $why }
file-problem-row = row { $row }: { $why }
file-problem-cell = row { $row }, column '{ $column }': { $why }
file-problem-value = row { $row }, column '{ $column }', value '{ $value }': { $why }

## What the watcher says (`idstation watch`, the app's activity list)

watch-watching = Watching { $folder } ({ $mode })
watch-mode-event = file events
watch-mode-poll = polling
watch-waiting = { $file }: waiting until it is completely written
watch-imported = { $file }: imported { $rows } rows ({ $registered } registered, { $updated } updated, { $unchanged } unchanged) → { $archived }
watch-already-imported = { $file }: the same content was imported on { $when } as { $first }; nothing imported again → { $archived }
watch-refused = { $file }: refused, nothing imported (problems: { $problems }, rows read: { $rows }); report: { $report }
watch-refused-stays = { $file } could not be moved and stays in the folder; it is taken again when it changes
watch-failed = { $file }: { $why } ({ $message }); trying again in { $seconds } s
watch-failed-later = { $file }: { $why } ({ $message }); tried again with the next file or at the next start
failure-not-found = file or folder not found
failure-permission = permission denied
failure-disk = reading or writing the disk failed
failure-watch = the folder's change notifications stopped
failure-database = the local database failed
failure-contended = the file's instruments kept changing while it was imported
failure-other = failed
watch-stopped = Stopped watching
watch-labels = { $file }: { $printed } labels printed on { $printer }, { $queued } waiting for the printer, { $failed } failed
watch-labels-not-queued = { $file }: the rows are imported but no label was queued: { $message }
watch-started = Watching the hot folders ({ $count }); stop with Ctrl+C

## The one-shot import and the folder list

import-file-done = { $file }: imported { $rows } rows ({ $registered } registered, { $updated } updated, { $unchanged } unchanged)
import-file-again = { $file }: the same content was imported on { $when } as { $first }; nothing imported again
import-file-refused = { $file }: refused, nothing imported (problems: { $problems }, rows read: { $rows }):
hotfolder-none = No hot folders are set up
hotfolder-line = { $action }, { $mode }{ $labels }
hotfolder-labels = , labels '{ $template }' on { $printer }
hotfolder-action-register = registers instruments
hotfolder-action-update = updates instruments
hotfolder-saved = Hot folder settings saved (folders: { $count }); a running watcher takes them when started again
