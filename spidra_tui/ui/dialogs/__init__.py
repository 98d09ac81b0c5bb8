"""Modal dialogs of the main screen: add jobs, new scrape, confirm, save."""
