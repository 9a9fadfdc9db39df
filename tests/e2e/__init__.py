"""End-to-end tests: the local runner as a subprocess, over real HTTP."""
