"""Items: the template's example resource, with a background job on every new item."""
