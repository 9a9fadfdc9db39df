"""Starting Step Functions (Standard) executions: the one adapter the core uses.

A machine is named by its `<machine>` (infra/statemachines/<capability>.<machine>.asl.json); its ARN
comes from `CROWDCART_SFN_<MACHINE>_ARN`, which the packaged template gives the owning capability's
functions and the local engine (local/stepfunctions.py, moto in-process) sets for itself.
Executions are always started with a name: the name is the idempotency key of Standard workflows,
so starting the same work twice leaves one execution.
"""
import json
import os
import threading
from typing import Any, Dict, Optional

from crowdcart.observability import logger
from crowdcart.settings import get_settings

_client: Optional[Any] = None
_lock = threading.Lock()


class WorkflowUnavailable(Exception):
    """No state machine is configured for this machine name in this process."""


def arn_variable(machine: str) -> str:
    """`group_timer` → `CROWDCART_SFN_GROUP_TIMER_ARN`."""
    return f"CROWDCART_SFN_{machine.upper()}_ARN"


def machine_arn(machine: str) -> str:
    """The state machine's ARN from the environment; WorkflowUnavailable when unset."""
    arn = os.environ.get(arn_variable(machine))
    if not arn:
        raise WorkflowUnavailable(f"{arn_variable(machine)} is not set")
    return arn


def client() -> Any:
    """One Step Functions client per process (created on first use, under a lock)."""
    global _client
    with _lock:
        if _client is None:
            import boto3

            _client = boto3.client("stepfunctions", region_name=get_settings().region)
        return _client


def reset_client() -> None:
    """Forget the client (the local engine calls this when it starts or stops its mock)."""
    global _client
    with _lock:
        _client = None


def start(machine: str, name: str, payload: Dict[str, Any]) -> bool:
    """Start execution `name` of `machine` with `payload`. True when StartExecution succeeded: it started
    now, or it was already running with the same input (Standard workflows answer that call with the
    running execution). False on ExecutionAlreadyExists: it finished, or runs with another input."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    arn = machine_arn(machine)
    from botocore.exceptions import ClientError

    try:
        answer = client().start_execution(stateMachineArn=arn, name=name, input=body)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            logger.info("execution already exists", extra={"machine": machine, "execution": name})
            return False
        raise
    logger.info("execution started", extra={"machine": machine, "execution": name,
                                            "execution_arn": answer.get("executionArn")})
    return True
