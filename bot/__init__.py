"""awesome-papers-bot: reviews pull requests to curated lists of most-cited papers."""

__version__ = "0.1.0"
