"""The packaged CloudFormation template, tested as an artefact: routing, split, IAM, tables, validators."""
import copy
import json
import re
import zipfile
from pathlib import Path

import app
from infra.resources import TABLE_RESOURCES, iter_states, load_state_machines, merge_template
from infra.split import api_function_id, split
from infra.tables import table_specs
from infra.validate import ASL_VALIDATOR, asl_files, validate_asl, validate_template

FIXTURES = Path(__file__).with_name("fixtures")
ROOT = Path(__file__).resolve().parents[2]
_ARN_REF = re.compile(r"\$\{([A-Za-z0-9]+)\.Arn\}")


def _functions(template):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def _operations(template):
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            integration = operation.get("x-amazon-apigateway-integration", {})
            if integration.get("type") == "aws_proxy":
                yield path, method.upper(), integration


def _target(integration):
    found = _ARN_REF.findall(integration["uri"]["Fn::Sub"])
    assert len(found) == 1, integration
    return found[0]


def test_every_route_invokes_its_own_capabilitys_function(package, app_description):
    template = package["template"]
    functions = _functions(template)
    routed = {(path, method): _target(integration) for path, method, integration in _operations(template)}
    deployed = [r for r in app_description["routes"] if not r["local_only"]]
    assert deployed, "the app registers no routes"
    assert set(routed) == {(r["path"], r["method"]) for r in deployed}
    for route in deployed:
        function_id = routed[(route["path"], route["method"])]
        assert function_id == api_function_id(route["capability"]), route
        env = functions[function_id]["Properties"]["Environment"]["Variables"]
        assert env["CROWDCART_CAPABILITIES"] == route["capability"] == route["module"].split(".")[1]
    assert "APIHandler" not in template["Resources"]


def test_capabilities_come_from_app_py_not_a_list(package, app_description):
    served = {r["capability"] for r in app_description["routes"] if not r["local_only"]}
    assert served <= set(app.CAPABILITIES) and "meta" in served
    api_functions = {k for k in _functions(package["template"]) if k.startswith("Api")}
    assert api_functions == {api_function_id(cap) for cap in served}


def test_every_function_serves_exactly_one_capability_with_its_own_role(package):
    roles = set()
    for name, function in _functions(package["template"]).items():
        props = function["Properties"]
        capability = props["Environment"]["Variables"]["CROWDCART_CAPABILITIES"]
        assert capability in app.CAPABILITIES and "," not in capability, name
        assert props["Layers"] == [{"Ref": "DependenciesLayer"}, {"Ref": "CoreLayer"}]
        assert props["CodeUri"] == "./deployment.zip"
        role = props["Role"]["Fn::GetAtt"][0]
        assert package["template"]["Resources"][role]["Type"] == "AWS::IAM::Role"
        roles.add((capability, role))
    assert len({cap for cap, _ in roles}) == len(roles), "one role per capability"


def test_local_only_routes_are_not_deployed(package, app_description):
    local = {(r["path"], r["method"]) for r in app_description["routes"] if r["local_only"]}
    routed = {(path, method) for path, method, _ in _operations(package["template"])}
    assert not local & routed
    bundled = json.loads((package["dir"] / "openapi.json").read_text())["paths"]
    assert not local & {(path, method.upper()) for path, methods in bundled.items() for method in methods}


STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams"}


def test_iam_is_least_privilege(package):
    resources = package["template"]["Resources"]
    specs = table_specs()
    allowed_ddb = {json.dumps(r, sort_keys=True) for r in [{"Fn::GetAtt": ["Table", "Arn"]}] + [
        {"Fn::Sub": f"${{Table.Arn}}/index/{i['IndexName']}"} for i in specs["main"]["GlobalSecondaryIndexes"]]}
    allowed_ddb |= {json.dumps({"Fn::GetAtt": ["IdempotencyTable", "Arn"]}, sort_keys=True)}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                assert "*" not in actions and not any(a.endswith(":*") for a in actions), (name, actions)
                if "*" in targets:
                    assert actions == ["dynamodb:ListStreams"], (name, statement)
                if set(actions) <= STREAM_ACTIONS:
                    assert targets in (["*"], [{"Fn::GetAtt": ["Table", "StreamArn"]}]), (name, targets)
                elif any(a.startswith("dynamodb:") for a in actions):
                    assert "dynamodb:Scan" not in actions
                    assert {json.dumps(t, sort_keys=True) for t in targets} <= allowed_ddb, (name, targets)
    meta = json.dumps(resources["MetaRole"])
    assert "dynamodb:" not in meta and "states:" not in meta


def test_state_machine_tasks_point_at_existing_functions(package):
    resources = package["template"]["Resources"]
    machines = {k: v for k, v in resources.items() if v["Type"] == "AWS::StepFunctions::StateMachine"}
    assert len(machines) == len(asl_files())
    for name, machine in machines.items():
        _assert_tasks_resolve(resources, machine)


def _assert_tasks_resolve(resources, machine):
    props = machine["Properties"]
    subs = props.get("DefinitionSubstitutions", {})
    for state in iter_states(props["Definition"]["States"]):
        if state.get("Type") != "Task":
            continue
        resource = state["Resource"]
        if resource.startswith("arn:aws:states:::lambda:invoke"):
            resource = state["Parameters"]["FunctionName"]
        if resource.startswith("${"):
            target = subs[resource[2:-1]]["Fn::GetAtt"]
            assert target[1] == "Arn" and resources[target[0]]["Type"] == "AWS::Serverless::Function", state


def test_tables_match_infra_table_json(package):
    resources = package["template"]["Resources"]
    for role, spec in table_specs().items():
        props = resources[TABLE_RESOURCES[role]]["Properties"]
        for key in ("AttributeDefinitions", "KeySchema", "BillingMode"):
            assert props[key] == spec[key], key
        assert props.get("GlobalSecondaryIndexes", []) == spec.get("GlobalSecondaryIndexes", [])
        assert props["TimeToLiveSpecification"] == spec["TimeToLive"]
        if "StreamSpecification" in spec:
            assert props["StreamSpecification"] == {"StreamViewType": spec["StreamSpecification"]["StreamViewType"]}
        assert resources[TABLE_RESOURCES[role]]["DeletionPolicy"] == "Retain"
    assert resources["Table"]["Properties"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_unknown_routes_answer_a_json_404(package):
    response = package["template"]["Resources"]["RouteNotFoundResponse"]["Properties"]
    assert response["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN" and response["StatusCode"] == "404"
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "route_not_found"


def test_per_function_settings_come_from_chalice_config(package):
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]
    functions = _functions(package["template"])
    for name, settings in stage.get("lambda_functions", {}).items():
        function_id = api_function_id(name[4:]) if name.startswith("api_") else None
        if function_id not in functions:
            continue
        props = functions[function_id]["Properties"]
        assert props["MemorySize"] == settings.get("lambda_memory_size", stage["lambda_memory_size"])
        assert props["Timeout"] == settings.get("lambda_timeout", stage["lambda_timeout"])
        assert props.get("ReservedConcurrentExecutions") == settings.get("reserved_concurrency")


def test_bundles_hold_the_code_the_functions_import(package):
    out = package["dir"]
    with zipfile.ZipFile(out / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert {"app.py", "chalice/app.py", "openapi.json", "functions/meta/routes.py"} <= names
    assert all(f"functions/{cap}/__init__.py" in names for cap in app.CAPABILITIES)
    with zipfile.ZipFile(out / "layer-core.zip") as layer:
        assert "python/crowdcart/api/openapi.py" in layer.namelist()
    meta = _functions(package["template"])["ApiMeta"]["Properties"]["Environment"]["Variables"]
    assert meta["CROWDCART_OPENAPI_DOCUMENT"] == "openapi.json"
    bundled = json.loads((out / "openapi.json").read_text())
    routed = {(path, method) for path, method, _ in _operations(package["template"])}
    assert routed == {(p, m.upper()) for p, ms in bundled["paths"].items() for m in ms}


def test_cfn_lint_passes(package):
    report = validate_template(package["dir"] / "template.json")
    assert report.returncode == 0, report.errors + report.warnings


def test_asl_validator_really_runs_and_fails_bad_input():
    assert ASL_VALIDATOR.exists()
    assert validate_asl([FIXTURES / "good.asl.json"]).ok
    bad = validate_asl([FIXTURES / "good.asl.json", FIXTURES / "bad.asl.json"])
    assert not bad.ok and bad.returncode != 0
    text = "\n".join(bad.errors)
    assert "Nope" in text and "WAIT_DURATION" in text


def test_every_state_machine_in_infra_is_valid_asl():
    report = validate_asl(asl_files())
    assert report.ok, report.errors


def test_split_wires_state_machines_stream_consumers_and_schedules(package, tmp_path):
    """A capability with a state machine, a stream consumer and a sweeper, on Chalice's real output shapes."""
    chalice_template = json.loads((package["dir"] / "chalice-sam.json").read_text())
    base = chalice_template["Resources"]["APIHandler"]["Properties"]

    def handler(name, events=None):
        props = copy.deepcopy(base)
        props["Handler"] = f"functions.fixture.tasks.{name}"
        if events:
            props["Events"] = events
        return {"Type": "AWS::Serverless::Function", "Properties": props}

    chalice_template["Resources"].update({
        "FixtureTimeout": handler("fixture_timeout"),
        "SweepFixtures": handler("sweep_fixtures", {"SweepFixturesEvent": {
            "Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}}),
        "OnFixtureChange": handler("on_fixture_change", {"OnFixtureChangeDynamodbEventSource": {
            "Type": "DynamoDB", "Properties": {"Stream": "arn:aws:dynamodb:us-east-1:0:table/x/stream/y",
                                               "BatchSize": 100, "StartingPosition": "LATEST"}}}),
    })
    machines_dir = tmp_path / "statemachines"
    machines_dir.mkdir()
    (machines_dir / "fixture.fixture_timer.asl.json").write_text((FIXTURES / "good.asl.json").read_text())
    machines = load_state_machines(machines_dir, {"fixture_timeout"})
    specs = table_specs()
    merged = copy.deepcopy(chalice_template)
    for section, values in merge_template(specs, machines, has_stream_consumer=True).items():
        merged.setdefault(section, {}).update(values)
    info = {"routes": [{"path": p, "method": m, "capability": "meta", "local_only": False}
                       for p, m, _ in _operations(chalice_template)], "capabilities": ["meta", "fixture"]}
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    access = {"default": {"table": "readwrite"}, "meta": {"table": "none"}}
    result = split(merged, info, config, "dev", access, specs, machines)
    resources = result["Resources"]

    machine = resources["FixtureTimerStateMachine"]
    _assert_tasks_resolve(resources, machine)
    assert machine["Properties"]["DefinitionSubstitutions"]["fixture_timeout"] == {
        "Fn::GetAtt": ["FixtureTimeout", "Arn"]}
    role = json.dumps(resources["FixtureRole"])
    assert "states:StartExecution" in role and "fixture_timer" in role and "StreamFailureQueue" in role
    assert "states:" not in json.dumps(resources["MetaRole"])
    for name in ("FixtureTimeout", "SweepFixtures", "OnFixtureChange"):
        env = resources[name]["Properties"]["Environment"]["Variables"]
        assert env["CROWDCART_CAPABILITIES"] == "fixture"
        assert "CROWDCART_SFN_FIXTURE_TIMER_ARN" in env
    stream = resources["OnFixtureChange"]["Properties"]["Events"]["OnFixtureChangeDynamodbEventSource"]["Properties"]
    assert stream["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    invoke = json.dumps(resources["FixtureTimerStateMachineRole"])
    assert "FixtureTimeout" in invoke and "SweepFixtures" not in invoke
    path = tmp_path / "template.json"
    path.write_text(json.dumps(result))
    report = validate_template(path)
    assert report.returncode == 0, report.errors + report.warnings


def test_only_capabilities_that_move_money_read_wechat_pay_secrets(package):
    resources = package["template"]["Resources"]
    with_secrets = set()
    for function_id, function in _functions(package["template"]).items():
        props = function["Properties"]
        env = props["Environment"]["Variables"]
        role = json.dumps(resources[props["Role"]["Fn::GetAtt"][0]])
        reads = "secretsmanager:GetSecretValue" in role
        assert reads == ("CROWDCART_WECHATPAY_SECRET_PREFIX" in env), function_id
        if reads:
            with_secrets.add(env["CROWDCART_CAPABILITIES"])
            assert env["CROWDCART_PUBLIC_BASE_URL"] == {"Ref": "PublicBaseUrl"}
    assert {"payments", "aftersales"} <= with_secrets
    assert not with_secrets & {"catalog", "stores", "auth", "meta", "cart", "reviews"}


def test_the_core_layer_ships_bytecode_valid_without_timestamps(package):
    import zipfile

    with zipfile.ZipFile(package["dir"] / "layer-core.zip") as zf:
        names = set(zf.namelist())
        sources = {n for n in names if n.endswith(".py")}
        compiled = {n for n in names if n.endswith(".cpython-311.pyc")}
        assert sources and len(compiled) == len(sources)
        flags = int.from_bytes(zf.read(sorted(compiled)[0])[4:8], "little")
        assert flags == 0b01  # hash-based, unchecked: valid whatever the zip's file times are
