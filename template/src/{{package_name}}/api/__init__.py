"""HTTP routes: health probes and the versioned API."""
