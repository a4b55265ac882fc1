"""Watched pages: single pages (HTML or PDF) whose content is followed, each URL one item."""
