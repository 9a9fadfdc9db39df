"""The local Step Functions engine: the real ASL files run by moto's interpreter, in-process.

- moto's `mock_aws` with `stepfunctions.execute_state_machine` on and `lambda.use_docker` off; requests to
  127.0.0.1/localhost (DynamoDB Local) pass through untouched.
- Lambda tasks are dispatched to the app's `@lambda_function` handlers by name (moto's simple Lambda
  backend's `invoke` is patched): the same Python the Lambda functions run in AWS. A handler's exception
  is answered as a Lambda function error whose `errorType` is its class name, as the Python runtime does,
  so the ASL's Retry/Catch see the same error names.
- Every `infra/statemachines/*.asl.json` is created with `${name}` placeholders replaced by Lambda ARNs
  (and `${table}` by the table name), and its ARN exported as `CROWDCART_SFN_<MACHINE>_ARN`, which
  crowdcart.workflows reads: the core starts executions exactly as in AWS.
- Starting executions is serialised (moto's name check and append are not atomic), so a name starts once.
- Wait states are real sleeps on moto's threads and executions live in memory: after a restart the
  `group_timers_resume` handler starts again the timer of every group that still owes one (from the DUE
  index in DynamoDB Local). Used by the local runner (a loop) and by the tests.
"""
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from crowdcart.observability import logger
from local.loops import loop

STATEMACHINES_DIR = Path(__file__).resolve().parent.parent / "infra" / "statemachines"
ACCOUNT = "123456789012"  # moto's default account
RESUME_HANDLERS = ("group_timers_resume",)
_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.asl\.json$")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_active: List["LocalStepFunctions"] = []


def _region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


class LocalStepFunctions:
    """One in-process engine for `app` (a Chalice app). start() … stop(); one active at a time."""

    def __init__(self, app: Any, directory: Path = STATEMACHINES_DIR) -> None:
        self.app = app
        self.directory = directory
        self.handlers = {fn.name: fn for fn in app.pure_lambda_functions}
        self.machines: Dict[str, str] = {}  # machine name → ARN
        self._mock: Any = None
        self._saved: Dict[str, Any] = {}
        self._start_lock = threading.Lock()
        self._client: Any = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "LocalStepFunctions":
        """Start moto, patch Lambda dispatch and execution starts, create the state machines."""
        if _active:
            raise RuntimeError("a local Step Functions engine is already running in this process")
        from moto import mock_aws
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

        self._mock = mock_aws(config={
            "stepfunctions": {"execute_state_machine": True},
            "lambda": {"use_docker": False},
            "core": {"mock_credentials": False, "reset_boto3_session": True, "service_whitelist": None,
                     "passthrough": {"urls": [r"https?://(127\.0\.0\.1|localhost)(:\d+)?(/.*)?$"], "services": []}},
        })
        self._mock.start()
        engine = self

        def invoke(backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any,
                   response_headers: Dict[str, str]) -> bytes:
            return engine.dispatch(function_name, body, response_headers)

        original_start = StepFunctionsParserBackend.start_execution

        def start_execution(backend: Any, *args: Any, **kwargs: Any) -> Any:
            with engine._start_lock:
                return original_start(backend, *args, **kwargs)

        self._saved = {"invoke": (LambdaSimpleBackend, LambdaSimpleBackend.invoke),
                       "start_execution": (StepFunctionsParserBackend, original_start)}
        LambdaSimpleBackend.invoke = invoke
        StepFunctionsParserBackend.start_execution = start_execution
        _active.append(self)
        try:
            self._create_machines()
        except Exception:
            self.stop()
            raise
        return self

    def _create_machines(self) -> None:
        import boto3

        from crowdcart import workflows

        self._client = boto3.client("stepfunctions", region_name=_region())
        for path in sorted(self.directory.glob("*.asl.json")):
            match = _NAME.match(path.name)
            if not match:
                continue
            machine = match.group(2)
            definition = _PLACEHOLDER.sub(self._substitute, path.read_text())
            arn = self._client.create_state_machine(
                name=machine, definition=definition, type="STANDARD",
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/{machine}")["stateMachineArn"]
            self.machines[machine] = arn
            os.environ[workflows.arn_variable(machine)] = arn
        workflows.reset_client()

    def _substitute(self, match: "re.Match[str]") -> str:
        name = match.group(1)
        if name == "table":
            return os.environ.get("CROWDCART_TABLE", "crowdcart")
        if name == "idempotency_table":
            return os.environ.get("CROWDCART_IDEMPOTENCY_TABLE", "crowdcart-idempotency")
        if name not in self.handlers:
            raise RuntimeError(f"${{{name}}} names no @lambda_function of the app")
        return f"arn:aws:lambda:{_region()}:{ACCOUNT}:function:{name}"

    def stop(self) -> None:
        """Abort running executions, undo the patches, stop moto and forget the ARNs."""
        from crowdcart import workflows

        for machine in list(self.machines):
            try:
                running = self.executions(machine, status="RUNNING")
            except Exception:  # stopping is best effort; the mock goes away next
                logger.exception("could not list executions", extra={"machine": machine})
                running = []
            for execution in running:
                self.abort(execution["executionArn"])
            os.environ.pop(workflows.arn_variable(machine), None)
        for owner, original in self._saved.values():
            setattr(owner, original.__name__, original)
        self._saved = {}
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        self.machines = {}
        workflows.reset_client()
        if self in _active:
            _active.remove(self)

    def abort(self, execution_arn: str, attempts: int = 50) -> bool:
        """StopExecution; moto refuses it for a moment right after the start (its worker is not set up yet)."""
        for _ in range(attempts):
            try:
                self._client.stop_execution(executionArn=execution_arn)
                return True
            except Exception:  # retried briefly, then given up (best effort)
                time.sleep(0.1)
        logger.warning("could not stop execution", extra={"execution_arn": execution_arn})
        return False

    # ---------------------------------------------------------------- Lambda dispatch
    def dispatch(self, function_name: str, body: Any, response_headers: Dict[str, str]) -> bytes:
        """Run the named `@lambda_function` with the JSON payload; errors as Lambda function errors."""
        name = function_name.split(":function:")[-1].split(":")[0]
        handler = self.handlers.get(name)
        if handler is None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": "ResourceNotFoundException",
                               "errorMessage": f"no @lambda_function named {name}"}).encode()
        raw = body.decode() if isinstance(body, bytes) else (body or "{}")
        try:
            result = handler(json.loads(raw or "{}"), None)
        except Exception as exc:  # the state machine's Retry/Catch decide; log what happened
            logger.warning("task failed", extra={"function": name, "error": type(exc).__name__, "message": str(exc)})
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        return json.dumps(result).encode()

    # ---------------------------------------------------------------- restart and inspection
    def resume(self) -> Dict[str, Any]:
        """Start again the timers owed in DynamoDB (executions do not survive a restart)."""
        return {name: self.handlers[name]({}, None) for name in RESUME_HANDLERS if name in self.handlers}

    def executions(self, machine: str, status: Optional[str] = None) -> List[Dict[str, Any]]:
        """Executions of a machine (optionally in one status)."""
        found, token = [], None
        while True:
            kwargs: Dict[str, Any] = {"stateMachineArn": self.machines[machine], "maxResults": 100}
            if status:
                kwargs["statusFilter"] = status
            if token:
                kwargs["nextToken"] = token
            page = self._client.list_executions(**kwargs)
            found += page["executions"]
            token = page.get("nextToken")
            if not token:
                return found

    def execution_arn(self, machine: str, name: str) -> str:
        """The ARN an execution of `machine` named `name` has."""
        return f"arn:aws:states:{_region()}:{ACCOUNT}:execution:{machine}:{name}"

    def describe(self, machine: str, name: str) -> Dict[str, Any]:
        """describe_execution of the named execution."""
        return self._client.describe_execution(executionArn=self.execution_arn(machine, name))

    def wait(self, machine: str, name: str, timeout: float = 60.0) -> Dict[str, Any]:
        """Block until the named execution is no longer RUNNING; returns its description."""
        deadline = time.monotonic() + timeout
        while True:
            described = self.describe(machine, name)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return described
            time.sleep(0.1)


@loop("stepfunctions")
def run_stepfunctions(app: Any, stop: threading.Event) -> None:
    """The runner's engine: start it, restart the timers DynamoDB says are owed, run until stopped."""
    try:
        engine = LocalStepFunctions(app).start()
    except Exception:  # the API still runs; group timers wait in DynamoDB for the next start
        logger.exception("the local Step Functions engine did not start")
        return
    try:
        logger.info("state machines ready", extra={"machines": sorted(engine.machines),
                                                   "resumed": engine.resume()})
        stop.wait()
    finally:
        engine.stop()
