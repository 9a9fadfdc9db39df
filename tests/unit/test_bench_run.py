"""bench/run.py: finds every benchmark, reads the JSON object each prints, records failures without stopping."""
from bench import run


def test_every_benchmark_module_is_found_and_the_runner_is_not_one():
    names = run.modules()
    assert "checkout" in names and "coldstart" in names
    assert "run" not in names and "__init__" not in names


def test_the_json_object_is_read_after_log_lines():
    printed = 'starting…\n{"level": "INFO"} noise\n{\n  "benchmark": "x",\n  "figures": {"a": 1}\n}\n'
    assert run.last_json_object(printed) == {"benchmark": "x", "figures": {"a": 1}}
    assert run.last_json_object('{"a": 1}') == {"a": 1}
    assert run.last_json_object("no json here") is None


def test_a_failing_benchmark_is_recorded_not_fatal():
    entry = run.run_one("no_such_benchmark", timeout=60)
    assert entry["ok"] is False and entry["exit_status"] == 1
    assert entry["figures"] is None and "No module named" in entry["error"]
    assert entry["wall_seconds"] >= 0


def test_headlines_lift_the_asked_for_figures_and_skip_changed_shapes():
    entries = [{"module": "bench.checkout", "figures": {"checkout": {"orders_per_s": 40, "dynamodb": {
                   "requests_per_checkout": 2.0}}, "floor": {"writes_per_s": 90}, "ratio_to_floor": 0.44}},
               {"module": "bench.coldstart", "figures": {"unexpected": True}},
               {"module": "bench.flashsale", "figures": None}]
    assert run.headlines(entries) == {"checkout": {"orders_per_s": 40, "floor_writes_per_s": 90,
                                                   "ratio_to_floor": 0.44, "requests_per_checkout": 2.0}}
