"""A deck as data: the model, YAML nodes with line numbers, bounded file reads, image sniffing,
the limits on every file, the content fingerprint and the bundled deck. No pygame here."""
