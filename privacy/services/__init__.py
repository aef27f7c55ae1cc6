"""Members' rights: ``export`` (download all my data) and ``deletion`` (close my account)."""
