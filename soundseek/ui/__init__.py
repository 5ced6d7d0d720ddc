"""The PySide6 desktop app: views and Qt adapters over the application layer (soundseek.app)."""
