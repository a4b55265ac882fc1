"""The kinds of source korus-watch reads, one package each (`crawler/sources/<kind>/`): its settings, its pure
reader and its finder."""
