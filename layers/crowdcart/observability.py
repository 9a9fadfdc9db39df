"""Structured logging and business metrics (Powertools); Tracer only when tracing is on."""
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "crowdcart"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Crowdcart"))


def business_event(name: str, count: int = 1, **context: Any) -> None:
    """Record one business event: a metric named `name` and a log line with its context."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    logger.info(name, extra=context)


def flush_metrics() -> None:
    """Publish the metrics gathered during this invocation (EMF to stdout)."""
    if metrics.metric_set:
        metrics.flush_metrics(raise_on_empty_metrics=False)


def tracer() -> Any:
    """A Powertools Tracer, created only when POWERTOOLS_TRACE_ENABLED is true (it costs ~340 ms)."""
    if os.environ.get("POWERTOOLS_TRACE_ENABLED", "").lower() != "true":
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()
