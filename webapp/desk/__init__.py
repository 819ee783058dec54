"""The engineers' desk: staff accounts and roles (staff), and the pages and API where staff work."""
