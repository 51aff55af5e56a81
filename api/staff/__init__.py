"""Municipal staff and their roles: who signs in to the inbox, the console and the API."""
