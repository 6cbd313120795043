"""The pure core: knows the list, knows nothing of HTTP or GitHub."""
