"""Step 6b: what leaves the store as files: exports, DCAT/VoID, downloads, the query catalogue."""
