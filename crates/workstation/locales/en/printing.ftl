# Labels and printing: label errors, printers and print jobs.

## Labels (idstation_labels::LabelError)

label-missing-fields = the label needs these fields, which are empty: { $fields }; nothing was printed
label-invalid-template = the template is not valid: { $detail }
label-unsupported-dpi = unsupported printer resolution { $dpi } dpi (203, 300 or 600)
label-qr-too-small = the QR code does not fit in { $size } mm at { $dpi } dpi ({ $modules } modules)
label-qr-data = the QR code cannot hold this text: { $detail }
label-barcode-data = the barcode cannot encode '{ $value }'
label-barcode-too-wide = the barcode '{ $value }' does not fit its box
label-qr-outside = the QR code reaches past the label's edge ({ $width } × { $height } mm); a cut QR code does not scan, so move it inside the label
label-barcode-outside = the barcode reaches past the label's edge ({ $width } × { $height } mm); a cut barcode does not scan, so move it inside the label
label-image = the logo image cannot be read: { $detail }
label-pdf = the PDF could not be made: { $detail }
label-png = the PNG could not be made: { $detail }
label-font = the bundled font cannot be read
# The 准用 label's permitted ranges, as a label field.
label-field-restriction = permitted ranges (--restriction)

## Printers (idstation_labels::TransportError, PrinterStatus)

printer-offline = printer { $printer } is offline or in error (no answer)
printer-reports = printer reports: { $flags }
printer-refused = the print queue refused the job: { $detail }
printer-io = printer I/O failed: { $detail }
printer-no-cups = CUPS tools are missing (lp): { $detail }
printer-ready = ready
printer-no-answer = offline or in error (no answer within the timeout)
printer-error = error: { $flags }

## What a printer says about itself (stable flag names)

flag-paper-out = paper out
flag-paused = paused
flag-head-open = head open
flag-ribbon-out = ribbon out
flag-buffer-full = buffer full
flag-corrupt-ram = corrupt RAM
flag-under-temperature = head too cold
flag-over-temperature = head too hot
flag-paper-jam = paper jam
flag-other-error = other error
flag-queue-disabled = queue disabled

## Print jobs: their states, and the notes the queue writes on them (stored, read later)

job-queued = queued
job-sending = sending
job-done = done
job-failed = failed
job-cancelled = cancelled
job-note-printer-removed = printer removed
job-note-interrupted = interrupted while sending: the printer may have printed it. Check the printer, then retry or cancel
