from korus_watch.cli import main

main(prog_name="korus-watch")
