"""Other sites' listings: a page listing items, configured by CSS selectors; each listed item's page is an item."""
