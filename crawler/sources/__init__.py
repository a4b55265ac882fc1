"""The sources korus-watch polls: each kind in a package of its own (settings.py, reader.py, finder.py; see
crawler.sources.base), registered in crawler.sources.registry; what their readers share here."""
