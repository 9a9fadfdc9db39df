"""One package per capability; app.py registers each one's Blueprint by setting."""
