# Instruments: statuses, calibration results, the actions of a record's history, lists and the
# dashboard. (Field names and today's status come from idstation_model, which also parses them.)

## Status and calibration result (the zh-CN words are the ones idstation_model parses)

status-in-use = in use
status-restricted = restricted
status-stopped = stopped
status-scrapped = scrapped
result-pass = pass
result-restricted = restricted use
result-fail = fail

## What happened to a record (audit actions)

action-register = registered
action-edit = edited
action-delete = deleted
action-undelete = restored
action-import = imported
action-resolve-conflict = conflict resolved
action-restore = Restored from backup
action-sign-in-elsewhere = Signed in as another person or to another node
action-init = initialised

## Lists and the dashboard

due-within-30-days = due within 30 days
due-overdue = overdue
