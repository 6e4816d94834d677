# Sync with the node: errors, states, progress.

## Sync failures, in words that say what to do next (idstation_sync::SyncError)

sync-network = the node cannot be reached: { $detail }. Changes stay queued here and sync when the node is reachable.
sync-server = the node failed (HTTP { $status }): { $message }
sync-unauthorized = the node refused the sign-in token
sync-account-pending = account awaiting approval: the operator approves it before this station can sync ({ $message })
sync-refused = the node refused the request ({ $code }): { $message }
sync-redirected = the node's address redirects to { $location }; nothing was sent there. If that is the node's new address, sign in to it
sync-protocol = the node's answer is not understood: { $detail }
sync-not-configured = this workstation is not signed in to a node; run `idstation sync login`

## The sync state in the header, the sync screen and `idstation dashboard`

sync-state-offline = no node set
sync-state-conflicts = conflicts to settle
sync-state-error = sync failed
sync-state-pending = changes to send
sync-state-never = not synced yet
sync-state-clean = in sync
sync-state-syncing = syncing

## A sync under way, and its end

sync-pushing = sending { $done }/{ $total }
sync-pulling = receiving { $done }
sync-refetching = fetching everything again { $done }
sync-leasing = leasing identifier numbers
sync-finished = Synced: { $sent } sent, { $received } received
