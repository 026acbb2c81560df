"""The wizard: pages, widgets and the qasync bridge; it shows engine events and owns no network code."""
