"""One module of Falcon resources per area of the API."""
