"""Step 3: extracted records to RDF, driven by ``mappings/rdf.toml``."""
