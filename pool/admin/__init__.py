"""The admin's pages: users (create, reset a password, deactivate) and the login log."""
