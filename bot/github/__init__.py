"""The GitHub adapter: webhook service, App authentication, reading PRs, publishing reviews."""
