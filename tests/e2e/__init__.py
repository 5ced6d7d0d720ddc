"""End-to-end checks run by hand against real applications (not collected by pytest)."""
