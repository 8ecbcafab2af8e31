"""Projects, releases and files: names, versions, metadata, archives, storage paths."""
