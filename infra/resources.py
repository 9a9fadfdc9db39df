"""Our CloudFormation resources, merged into Chalice's template: tables, layers, gateway responses, state machines.

State machines follow one naming convention (see infra/statemachines/README.md):
`infra/statemachines/<capability>.<machine>.asl.json`, Task placeholders `${<lambda_function name>}`
(and `${table}`, `${idempotency_table}`), owned — started — by `<capability>`.
"""
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Set

from chalice.utils import to_cfn_resource_name

INFRA = Path(__file__).resolve().parent
TEMPLATE_DIR = INFRA / "template"
STATEMACHINES_DIR = INFRA / "statemachines"
TABLE_RESOURCES = {"main": "Table", "idempotency": "IdempotencyTable"}
BUILTIN_SUBSTITUTIONS = {"table": {"Ref": "Table"}, "idempotency_table": {"Ref": "IdempotencyTable"}}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.asl\.json$")
_DDB_TASK = re.compile(r"^arn:aws:states:::(?:aws-sdk:)?dynamodb:([a-zA-Z]+)$")
_LAMBDA_TASK = re.compile(r"^arn:aws:states:::lambda:invoke(?:\.waitForTaskToken)?$")


class BuildError(Exception):
    """The app or infra files break a packaging rule; the message says what to fix."""


def load_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text())


def table_resources(specs: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """CloudFormation tables from infra/table.json (same keys, indexes, stream and TTL)."""
    out = {}
    for role, spec in specs.items():
        props = copy.deepcopy(dict(spec))
        ttl = props.pop("TimeToLive", None)
        if ttl:
            props["TimeToLiveSpecification"] = ttl
        stream = props.pop("StreamSpecification", None)
        if stream and stream.get("StreamEnabled", True):  # the API's shape → CloudFormation's
            props["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        out[TABLE_RESOURCES[role]] = {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                                      "UpdateReplacePolicy": "Retain", "Properties": props}
    return out


def index_arns(specs: Mapping[str, Mapping[str, Any]], role: str = "main") -> List[Dict[str, Any]]:
    """The table's ARN and each of its indexes' ARNs, named one by one (no wildcard)."""
    logical = TABLE_RESOURCES[role]
    arns: List[Dict[str, Any]] = [{"Fn::GetAtt": [logical, "Arn"]}]
    for index in specs[role].get("GlobalSecondaryIndexes", []):
        arns.append({"Fn::Sub": f"${{{logical}.Arn}}/index/{index['IndexName']}"})
    return arns


@dataclass
class StateMachine:
    """One infra/statemachines/<capability>.<machine>.asl.json file."""

    path: Path
    capability: str
    machine: str
    definition: Dict[str, Any]
    functions: Set[str] = field(default_factory=set)   # chalice lambda names its tasks invoke
    dynamodb_actions: Set[str] = field(default_factory=set)

    @property
    def logical_id(self) -> str:
        """The CloudFormation resource name."""
        return to_cfn_resource_name(self.machine) + "StateMachine"

    @property
    def env_name(self) -> str:
        """The environment variable the owner's functions read the ARN from."""
        return f"CROWDCART_SFN_{self.machine.upper()}_ARN"

    @property
    def arn(self) -> Dict[str, Any]:
        """The ARN, built from the fixed name (a Ref would make function → machine → function cycles)."""
        return {"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"
                           f"${{AWS::StackName}}-{self.machine}"}


def iter_states(states: Mapping[str, Any]) -> Iterator[Dict[str, Any]]:
    """Every state, descending into Parallel branches and Map processors."""
    for state in states.values():
        yield state
        for branch in state.get("Branches", []):
            yield from iter_states(branch.get("States", {}))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from iter_states(state[key].get("States", {}))


def _placeholders(node: Any) -> Set[str]:
    if isinstance(node, str):
        return set(_PLACEHOLDER.findall(node))
    if isinstance(node, dict):
        return set().union(*(_placeholders(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_placeholders(v) for v in node)) if node else set()
    return set()


def load_state_machines(directory: Path, lambda_names: Set[str]) -> List[StateMachine]:
    """Parse and check every ASL file; unknown names or integrations are a BuildError."""
    machines: List[StateMachine] = []
    for path in sorted(directory.glob("*.asl.json")):
        match = _NAME.match(path.name)
        if not match:
            raise BuildError(f"{path.name}: name state machines <capability>.<machine>.asl.json (lower_snake)")
        machine = StateMachine(path, match.group(1), match.group(2), load_json(path))
        for state in iter_states(machine.definition.get("States", {})):
            if state.get("Type") != "Task":
                continue
            resource = state.get("Resource", "")
            direct = _PLACEHOLDER.fullmatch(resource)
            if direct:
                machine.functions.add(direct.group(1))
            elif _LAMBDA_TASK.match(resource):
                target = _PLACEHOLDER.fullmatch(str(state.get("Parameters", {}).get("FunctionName", "")))
                if not target:
                    raise BuildError(f"{path.name}: lambda:invoke tasks name FunctionName as ${{<lambda name>}}")
                machine.functions.add(target.group(1))
            elif _DDB_TASK.match(resource):
                action = _DDB_TASK.match(resource).group(1)
                machine.dynamodb_actions.add(action[0].upper() + action[1:])
            else:
                raise BuildError(f"{path.name}: Task Resource {resource!r} is not supported by infra/resources.py "
                                 "(Lambda via ${name} or lambda:invoke, DynamoDB); add its IAM there")
        unknown = _placeholders(machine.definition) - lambda_names - set(BUILTIN_SUBSTITUTIONS)
        if unknown:
            raise BuildError(f"{path.name}: ${{{', '.join(sorted(unknown))}}} is not a @lambda_function name "
                             f"(known: {', '.join(sorted(lambda_names)) or 'none'})")
        machines.append(machine)
    names = [m.machine for m in machines]
    if len(names) != len(set(names)):
        raise BuildError("two state machines share a <machine> name: " + ", ".join(names))
    return machines


def state_machine_resources(machine: StateMachine, table_specs: Mapping[str, Any]) -> Dict[str, Any]:
    """The state machine and its role (invoke only its task functions; DynamoDB only what its tasks do)."""
    used = _placeholders(machine.definition)
    substitutions = {name: {"Fn::GetAtt": [to_cfn_resource_name(name), "Arn"]} for name in sorted(used)
                     if name not in BUILTIN_SUBSTITUTIONS}
    substitutions.update({name: value for name, value in BUILTIN_SUBSTITUTIONS.items() if name in used})
    statements: List[Dict[str, Any]] = []
    if machine.functions:
        arns = [{"Fn::GetAtt": [to_cfn_resource_name(n), "Arn"]} for n in sorted(machine.functions)]
        arns += [{"Fn::Sub": f"${{{to_cfn_resource_name(n)}.Arn}}:*"} for n in sorted(machine.functions)]
        statements.append({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arns})
    if machine.dynamodb_actions:
        statements.append({"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in sorted(machine.dynamodb_actions)],
                           "Resource": index_arns(table_specs)})
    role_id = machine.logical_id + "Role"
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
    }}
    if statements:
        role["Properties"]["Policies"] = [{"PolicyName": "tasks", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": statements}}]
    props: Dict[str, Any] = {
        "StateMachineName": {"Fn::Sub": f"${{AWS::StackName}}-{machine.machine}"},
        "StateMachineType": "STANDARD",
        "Definition": machine.definition,
        "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
    }
    if substitutions:
        props["DefinitionSubstitutions"] = substitutions
    return {machine.logical_id: {"Type": "AWS::StepFunctions::StateMachine", "Properties": props}, role_id: role}


def merge_template(table_specs: Mapping[str, Any], machines: List[StateMachine], has_stream_consumer: bool) -> Dict:
    """The --merge-template document: infra/template/resources.json + tables + state machines (+ stream DLQ)."""
    doc = load_json(TEMPLATE_DIR / "resources.json")
    doc["Resources"].update(table_resources(table_specs))
    for machine in machines:
        doc["Resources"].update(state_machine_resources(machine, table_specs))
    if has_stream_consumer:
        doc["Resources"]["StreamFailureQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {
            "MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True}}
    return doc
