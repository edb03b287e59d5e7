"""Policy stage: rule files (the catalog) evaluated over facts."""
