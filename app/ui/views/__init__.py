"""Pages and views of the main window."""
