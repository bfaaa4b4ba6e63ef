"""The EPC register: HTTP client, per-certificate fetch into the warehouse, bulk files, fetch progress."""
