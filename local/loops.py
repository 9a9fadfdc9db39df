"""Background loops of the local runner: the same handlers AWS triggers, called on one machine.

- every `@schedule` handler (sweepers), every CROWDCART_SWEEP_SECONDS (default 5 s) instead of
  its AWS rate, so local timeouts show up quickly;
- further loops (stream consumer, state-machine engine) register in LOOPS.
Each loop returns once the runner's stop event is set.
"""
import os
import threading
from typing import Any, Callable, List, Tuple

from chalice.app import ScheduledEventConfig

from crowdcart.observability import logger

LOOPS: List[Tuple[str, Callable[[Any, threading.Event], None]]] = []


def loop(name: str) -> Callable:
    """Register a loop function `(app, stop)`."""

    def register(func: Callable[[Any, threading.Event], None]) -> Callable:
        LOOPS.append((name, func))
        return func

    return register


def _schedule_event(name: str) -> dict:
    return {"version": "0", "id": "local", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": "", "region": "local", "resources": [f"local/{name}"], "detail": {}}


@loop("schedules")
def run_schedules(app: Any, stop: threading.Event) -> None:
    """Call every scheduled handler periodically until stopped; errors are logged, never fatal."""
    interval = float(os.environ.get("CROWDCART_SWEEP_SECONDS", "5"))
    names = [s.name for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
    while not stop.wait(interval):
        for name in names:
            try:
                app.handler_map[name](_schedule_event(name), None)
            except Exception:  # keep the runner alive; the next round retries
                logger.exception("scheduled handler failed", extra={"handler": name})


def start_all(app: Any, stop: threading.Event) -> List[threading.Thread]:
    """Start every registered loop on a daemon thread."""
    threads = []
    for name, func in LOOPS:
        thread = threading.Thread(target=func, args=(app, stop), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads
