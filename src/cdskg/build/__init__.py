"""The build: the steps in order (read, extract, map, validate, load), workers, progress."""
