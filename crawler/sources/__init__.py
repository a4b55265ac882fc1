"""Sources: each kind in a package of its own (reader.py, settings.py, finder.py); what their readers share here."""
