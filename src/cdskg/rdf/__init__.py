"""RDF vocabulary shared by every step: namespaces, the IRIs cdskg mints."""
