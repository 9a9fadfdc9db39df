"""Meta capability: liveness, the OpenAPI document and its offline HTML rendering."""
