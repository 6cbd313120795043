"""One recogniser per shape of entry: list items, table rows, paragraph and HTML blocks.

Each returns candidate entries (`fields.Source`, with their line spans) for the field reader.
"""
