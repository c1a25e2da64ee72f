"""The OpenAPI document: builder and the path items of each area."""
