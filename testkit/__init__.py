"""What the tests and the benchmarks share: local imitations of the sources (the press-office mirror), real loopback
receivers (SMTP, chat webhooks), the files they serve, and events made as a crawl makes them.

Not part of the product: nothing under archive/, crawler/, notify/, scheduler/, web/ or korus_watch/ imports it
(tests/test_layering.py)."""
