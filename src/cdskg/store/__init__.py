"""Step 5: the on-disk Oxigraph store, its generations, and running queries on it."""
