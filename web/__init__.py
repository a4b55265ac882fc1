"""The read side of korus-watch: server-rendered pages, full-text search, Atom feeds and a JSON API, all read-only."""
