"""How a deck goes live and stays live: the version store and publishing, the watcher, the
deck home's `current` link, the last good copy and the start-up choice. No pygame here."""
