"""Snapshots: every response with a body that a poll read, kept apart from what was read of it (issue 17).

Bodies are stored once each, compressed, by their SHA-256 (bodies); the recorder stores a crawl's snapshots
(store); what is kept is pruned by `[archive] keep_snapshots` (retention); `verify` checks them (integrity);
`export --warc` writes them as WARC records (warc); re-reading reads them again (reextraction)."""
