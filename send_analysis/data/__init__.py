"""Official data: the source registry, fetch, readers per release, tidy tables and geography."""
