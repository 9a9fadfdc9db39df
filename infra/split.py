"""Split Chalice's single API function into one Lambda per capability, each with least-privilege IAM.

Input: the template `chalice package --merge-template` wrote, and infra.discover's description of
the app. Output: the same template where every route's integration invokes `Api<Capability>`,
every function serves exactly one capability (CROWDCART_CAPABILITIES), and every capability has
its own role. Pure data in, data out: no files, no network.
"""
import copy
from typing import Any, Dict, List, Mapping, Optional, Tuple

from chalice.config import Config
from chalice.utils import to_cfn_resource_name

from infra.resources import BuildError, StateMachine, index_arns

API_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
           "${%s.Arn}/invocations")
READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"]
WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
OPENAPI_FILE = "openapi.json"


def api_function_id(capability: str) -> str:
    """`checkout` → `ApiCheckout`: the capability's API function."""
    return "Api" + to_cfn_resource_name(capability)


def role_id(capability: str) -> str:
    """`checkout` → `CheckoutRole`: the capability's execution role."""
    return to_cfn_resource_name(capability) + "Role"


def capability_of_handler(handler: str) -> str:
    """`functions.<cap>.tasks.fn` → `<cap>`."""
    parts = handler.split(".")
    if len(parts) < 4 or parts[0] != "functions":
        raise BuildError(f"handler {handler} is not in functions/<capability>/")
    return parts[1]


def access_for(capability: str, access: Mapping[str, Any]) -> Dict[str, Any]:
    """The capability's access rules: infra/template/access.json's `default`, overridden by its own entry."""
    merged = dict(access.get("default", {}))
    merged.update(access.get(capability, {}))
    return merged


def function_settings(config: Dict[str, Any], stage: str, function_name: str) -> Dict[str, Any]:
    """Memory, timeout, reserved concurrency and environment of one function, resolved the way Chalice does."""
    cfg = Config(chalice_stage=stage, function_name=function_name, config_from_disk=config)
    return {"MemorySize": cfg.lambda_memory_size, "Timeout": cfg.lambda_timeout,
            "ReservedConcurrentExecutions": cfg.reserved_concurrency,
            "Environment": dict(cfg.environment_variables or {})}


class Splitter:
    """One pass over the merged template (see module docstring)."""

    def __init__(self, template: Dict[str, Any], info: Mapping[str, Any], config: Dict[str, Any], stage: str,
                 access: Mapping[str, Any], table_specs: Mapping[str, Any], machines: List[StateMachine]):
        self.t = copy.deepcopy(template)
        self.res: Dict[str, Any] = self.t["Resources"]
        self.info, self.config, self.stage = info, config, stage
        self.access, self.table_specs, self.machines = access, table_specs, machines
        self.functions_of: Dict[str, List[str]] = {}   # capability → its function logical ids
        self.streams: set = set()                       # capabilities with a stream consumer

    # -- routes -------------------------------------------------------------------------------
    def _route_owners(self) -> Tuple[Dict[Tuple[str, str], str], set]:
        owners, local = {}, set()
        for route in self.info["routes"]:
            key = (route["path"], route["method"].lower())
            if route["local_only"]:
                local.add(key)
            else:
                owners[key] = route["capability"]
        return owners, local

    def _point_routes(self) -> Dict[str, int]:
        owners, local = self._route_owners()
        paths = self.res["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
        counts: Dict[str, int] = {}
        for path in list(paths):
            for method in list(paths[path]):
                operation = paths[path][method]
                integration = operation.get("x-amazon-apigateway-integration", {})
                if integration.get("type") != "aws_proxy":
                    continue  # CORS preflight mocks and the like
                if (path, method) in local:
                    del paths[path][method]
                    continue
                cap = owners.get((path, method))
                if cap is None:
                    raise BuildError(f"{method.upper()} {path} is in Chalice's API but not in the app's routes")
                integration["uri"] = {"Fn::Sub": API_URI % api_function_id(cap)}
                counts[cap] = counts.get(cap, 0) + 1
            if not paths[path]:
                del paths[path]
        missing = [f"{m.upper()} {p}" for (p, m) in owners if m not in paths.get(p, {})]
        if missing:
            raise BuildError("routes missing from the packaged API: " + ", ".join(missing))
        return counts

    # -- functions ----------------------------------------------------------------------------
    def _common_env(self, capability: str) -> Dict[str, Any]:
        rules = access_for(capability, self.access)
        env: Dict[str, Any] = {"CROWDCART_MODE": "aws", "CROWDCART_CAPABILITIES": capability}
        if rules.get("table", "none") != "none":
            env["CROWDCART_TABLE"] = {"Ref": "Table"}
        if rules.get("idempotency_table", "none") != "none":
            env["CROWDCART_IDEMPOTENCY_TABLE"] = {"Ref": "IdempotencyTable"}
        if rules.get("platform_key"):
            env["CROWDCART_PLATFORM_KEY_SHA256"] = {"Ref": "PlatformKeyHashParameter"}
        for name, key in sorted((rules.get("secrets") or {}).items()):
            env[name] = {"Fn::Sub": f"{{{{resolve:secretsmanager:${{SecretName}}:SecretString:{key}}}}}"}
        if rules.get("wechatpay"):
            env["CROWDCART_PUBLIC_BASE_URL"] = {"Ref": "PublicBaseUrl"}
            env["CROWDCART_WECHATPAY_SECRET_PREFIX"] = {"Ref": "WechatPaySecretPrefix"}
        for machine in self.machines:
            if machine.capability == capability:
                env[machine.env_name] = machine.arn
        return env

    def _finish_function(self, logical_id: str, props: Dict[str, Any], capability: str,
                         settings: Optional[Dict[str, Any]] = None) -> None:
        if settings:
            for key in ("MemorySize", "Timeout"):  # unset: the stage's value Chalice already wrote
                if settings[key] is not None:
                    props[key] = settings[key]
            props.pop("ReservedConcurrentExecutions", None)  # never inherit api_handler's reservation
            if settings["ReservedConcurrentExecutions"] is not None:
                props["ReservedConcurrentExecutions"] = settings["ReservedConcurrentExecutions"]
            props.setdefault("Environment", {}).setdefault("Variables", {}).update(settings["Environment"])
        props.setdefault("Environment", {}).setdefault("Variables", {}).update(self._common_env(capability))
        props["FunctionName"] = {"Fn::Sub": f"${{AWS::StackName}}-{logical_id}"}
        props["Role"] = {"Fn::GetAtt": [role_id(capability), "Arn"]}
        props["Layers"] = [{"Ref": "DependenciesLayer"}, {"Ref": "CoreLayer"}]
        self.res[logical_id] = {"Type": "AWS::Serverless::Function", "Properties": props,
                                "DependsOn": [logical_id + "LogGroup"]}
        self.res[logical_id + "LogGroup"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{logical_id}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"}}}
        self.functions_of.setdefault(capability, []).append(logical_id)

    def _api_functions(self, counts: Mapping[str, int]) -> None:
        handler = self.res.pop("APIHandler")
        self.res.pop("APIHandlerInvokePermission", None)
        for cap in sorted(counts):
            logical_id = api_function_id(cap)
            if logical_id in self.res:
                raise BuildError(f"resource name {logical_id} is taken; rename that @lambda_function")
            props = copy.deepcopy(handler["Properties"])
            self._finish_function(logical_id, props, cap, function_settings(self.config, self.stage, f"api_{cap}"))
            if cap == "meta":
                props["Environment"]["Variables"]["CROWDCART_OPENAPI_DOCUMENT"] = OPENAPI_FILE
            self.res[logical_id + "InvokePermission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": {"Ref": logical_id}, "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                                         "${RestAPI}/*"}}}

    def _handler_functions(self) -> None:
        for logical_id, resource in list(self.res.items()):
            if resource.get("Type") != "AWS::Serverless::Function" or logical_id in self._api_ids():
                continue
            props = resource["Properties"]
            cap = capability_of_handler(props["Handler"])
            for event in (props.get("Events") or {}).values():
                if event.get("Type") == "DynamoDB":
                    self.streams.add(cap)
                    event["Properties"].update({
                        "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
                        "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 10,
                        "DestinationConfig": {"OnFailure": {"Type": "SQS",
                                                            "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}}})
            self._finish_function(logical_id, props, cap)

    def _api_ids(self) -> set:
        return {api_function_id(cap) for cap in self.functions_of} | {i for ids in self.functions_of.values()
                                                                    for i in ids}

    # -- roles --------------------------------------------------------------------------------
    def _role(self, capability: str) -> Dict[str, Any]:
        rules = access_for(capability, self.access)
        logs = [{"Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:"
                            f"/aws/lambda/${{AWS::StackName}}-{fid}:*"} for fid in self.functions_of[capability]]
        statements: List[Dict[str, Any]] = [
            {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": logs}]
        for role_name, key, sid in (("main", "table", "Table"), ("idempotency", "idempotency_table", "Idempotency")):
            level = rules.get(key, "none")
            if level == "none":
                continue
            if level not in ("read", "readwrite"):
                raise BuildError(f"infra/template/access.json: {capability}.{key} must be none, read or readwrite")
            actions = READ + (WRITE if level == "readwrite" else [])
            statements.append({"Sid": sid, "Effect": "Allow", "Action": actions,
                               "Resource": index_arns(self.table_specs, role_name)})
        owned = [m.arn for m in self.machines if m.capability == capability]
        if owned:
            statements.append({"Sid": "StartOwnStateMachines", "Effect": "Allow", "Action": "states:StartExecution",
                               "Resource": owned})
        if rules.get("wechatpay"):  # the shops' merchant secrets (APIv3 key, private key), read-only
            statements.append({"Sid": "WechatPaySecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                               "Resource": {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                                                       "${AWS::AccountId}:secret:${WechatPaySecretPrefix}*"}})
        if capability in self.streams:
            statements.append({"Sid": "ReadTableStream", "Effect": "Allow", "Action": STREAM_READ,
                               "Resource": {"Fn::GetAtt": ["Table", "StreamArn"]}})
            # ListStreams has no resource type in IAM: it can only be granted on "*" (read-only, lists ARNs)
            statements.append({"Sid": "ListStreams", "Effect": "Allow", "Action": "dynamodb:ListStreams",
                               "Resource": "*"})
            statements.append({"Sid": "StreamFailures", "Effect": "Allow", "Action": "sqs:SendMessage",
                               "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}})
        return {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": f"{capability}-least-privilege",
                          "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}}

    def run(self) -> Dict[str, Any]:
        """Do the split; returns the new template."""
        counts = self._point_routes()
        self._api_functions(counts)
        self._handler_functions()
        self.res.pop("DefaultRole", None)
        for cap in sorted(self.functions_of):
            self.res[role_id(cap)] = self._role(cap)
        outputs = self.t.setdefault("Outputs", {})
        for name in ("APIHandlerName", "APIHandlerArn"):
            outputs.pop(name, None)
        for machine in self.machines:
            outputs[machine.logical_id + "Arn"] = {"Value": {"Ref": machine.logical_id}}
        self.t["Description"] = "Crowdcart: one Lambda per capability (" + ", ".join(sorted(self.functions_of)) + ")"
        return self.t


def split(template: Dict[str, Any], info: Mapping[str, Any], config: Dict[str, Any], stage: str,
          access: Mapping[str, Any], table_specs: Mapping[str, Any], machines: List[StateMachine]) -> Dict[str, Any]:
    """The per-capability template (see module docstring)."""
    return Splitter(template, info, config, stage, access, table_specs, machines).run()
