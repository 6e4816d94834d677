# Docking: the platform operator enters the docking tables (annex 1) and watches the reports to
# the national top-level node (annexes 2 and 4).

docking-role-operator = platform operator
docking-role-enterprise-admin = enterprise administrator
docking-status-verified = verified
docking-status-submitted = awaiting verification
docking-status-rejected = not verified
docking-status-active = active
docking-cadence-realtime = reported at once
docking-cadence-hourly = reported hourly
docking-cadence-daily = reported daily
docking-cadence-monthly = reported monthly
docking-not-json = "{ $field }" must hold JSON: { $detail }
docking-not-in-schema = the docking tables have no "{ $name }"

uplink-state-pending = waiting to be sent
uplink-state-acked = acknowledged
uplink-state-failed = failed
uplink-state-filed = written to a file (upload by hand)
uplink-summary-ok = Reporting works: the top-level node acknowledged { $acked } reports, the last at { $last }
uplink-summary-pending = { $pending } reports wait to be sent; the oldest was made at { $since }
uplink-summary-failed = { $failed } reports failed to send: read why, then send them again
uplink-summary-filed = No top-level node address is set: { $filed } reports were written to files to upload by hand
docking-signed-out = Sign in at the docking desk first, with the platform operator's account (the sign-in lasts while the app runs)
docking-attachment-too-large = the file is about { $size } MB; attachments take at most { $max } MB. Nothing was uploaded
maintenance-on = Maintenance mode is on (since { $since }): { $description }. This time counts as planned maintenance, not against the SLA
maintenance-off = Maintenance mode is off
