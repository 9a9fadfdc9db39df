"""Background loops of the local runner (sweepers, stream consumer, state-machine engine).

Each entry is (name, callable(stop_event)); the runner starts them as daemon threads.
"""
import threading
from typing import Callable, List, Tuple

LOOPS: List[Tuple[str, Callable[[threading.Event], None]]] = []


def start_all(stop: threading.Event) -> List[threading.Thread]:
    """Start every registered loop; each must return once `stop` is set."""
    threads = []
    for name, loop in LOOPS:
        thread = threading.Thread(target=loop, args=(stop,), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads
