"""`notesite serve`: the pipeline kept in memory, driven by a file watcher, with live reload."""
