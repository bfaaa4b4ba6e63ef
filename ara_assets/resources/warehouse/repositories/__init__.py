"""One repository per table (or pair of tables written together), bound to a unit of work's connection."""
