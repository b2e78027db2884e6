"""Anonymous view statistics for clinic staff: which slides are seen, for how long, in which
mode and language, and how many visitor sessions there were.

Nothing personal is kept: no touch positions, no free text, no device ids, times rounded down
to the minute. Recording never blocks the render loop (`recorder`); a daemon thread writes
batches to SQLite and survives disk trouble (read-only, full, unplugged) by logging once and
keeping the newest rows for a later retry (`store`). Reports (`report`, `kiosk stats` in
`command`) open the file read-only, so staff can run them while the kiosk is writing (WAL
mode) and as a user who cannot write.
"""
