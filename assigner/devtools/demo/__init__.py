"""The demo: a pilot-like stream fed to a worker on the embedded broker."""
