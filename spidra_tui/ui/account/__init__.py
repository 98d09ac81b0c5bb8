"""The Account view: batches, crawls, scrape history, usage, and credits in the header."""
