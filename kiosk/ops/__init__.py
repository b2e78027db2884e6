"""What staff and IT see of a running screen: the status file, metrics, statistics, the
staff PIN, the systemd watchdog, logs and per-machine settings. No pygame here."""
