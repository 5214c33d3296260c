"""Step 4: SHACL validation of each article's graph before it may be loaded."""
