"""The command line's commands, one module per job; korus_watch.cli assembles them."""
