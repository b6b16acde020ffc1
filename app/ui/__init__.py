"""The PySide6 desktop console: views, dialogs, models and the Qt adapters."""
