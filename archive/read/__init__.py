"""The archive's one read model: every reader (the command line, the web pages, the JSON API, the feeds and the
notifier) asks its questions here, so that "a statement's current version" (its highest number) and "relevant to a
topic" (the current version's relevance row says so) mean the same thing everywhere.

Answers are the typed models of `archive.read.schemas`."""
