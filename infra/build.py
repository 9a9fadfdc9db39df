"""`make package`: build the deployable CloudFormation (SAM) template and its code bundles into build/package/.

Stages, all offline except the first dependency download (cached under build/cache/):
  1. describe the app (infra.discover, in a subprocess with every capability enabled);
  2. stage a Chalice project: app.py + .chalice/config.json + vendor/ (a copy of functions/ and
     the bundled openapi.json) — Chalice packages only app.py, chalicelib/, vendor/, requirements.txt;
  3. zip layers/crowdcart as the core layer, and requirements.txt's Lambda-platform wheels as the
     dependencies layer (Chalice's own DependencyBuilder, cached by the requirements' hash);
  4. `chalice package --pkg-format cloudformation --merge-template` with our resources;
  5. split the API function into one Lambda per capability (infra.split).

Usage: python -m infra.build [--stage dev] [--out build/package] [--no-deps]
"""
import argparse
import hashlib
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

from infra.resources import STATEMACHINES_DIR, TEMPLATE_DIR, BuildError, load_json, load_state_machines, merge_template
from infra.split import OPENAPI_FILE, split
from infra.tables import table_specs

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
PYTHON_VERSION = "python3.11"
PYTHON_TUPLE = (3, 11)
ABI = "cp311"
ARCH = "x86_64"
LAMBDA_UNZIPPED_LIMIT_MB = 250
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def _env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("CROWDCART_CAPABILITIES", None)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.update(extra)
    return env


def describe_app() -> Dict[str, Any]:
    """infra.discover's JSON for the working tree's app (every capability enabled)."""
    pythonpath = os.pathsep.join([str(ROOT), str(ROOT / "layers")])
    proc = subprocess.run([sys.executable, "-m", "infra.discover"], cwd=ROOT, capture_output=True, text=True,
                          env=_env(PYTHONPATH=pythonpath, POWERTOOLS_LOG_LEVEL="CRITICAL"))
    if proc.returncode != 0:
        raise BuildError(f"importing app.py failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def _write_zip(target: Path, files: Iterable[Tuple[Path, str]]) -> None:
    """A deterministic zip (sorted, fixed timestamps) so unchanged code keeps the same hash."""
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for source, name in sorted(files, key=lambda pair: pair[1]):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.external_attr = (0o755 if os.access(source, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, source.read_bytes())
    tmp.replace(target)


def _tree(directory: Path, prefix: str, bytecode: Optional[Path] = None) -> Iterable[Tuple[Path, str]]:
    """Every file under `directory` as (path, name in the zip). With `bytecode` (a scratch dir), each
    module also gets its `__pycache__/<name>.cpython-311.pyc`: a Lambda's code is read-only, so without
    shipped bytecode every cold start compiles every imported module from source again. The bytecode
    is unchecked-hash (valid whatever the zip's timestamps) and only made when we run the runtime's
    Python version."""
    compile_here = bytecode is not None and sys.version_info[:2] == PYTHON_TUPLE
    for path in directory.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(directory)
        yield path, f"{prefix}/{relative.as_posix()}"
        if compile_here and path.suffix == ".py":
            cached = importlib.util.cache_from_source(str(relative))
            target = bytecode / cached
            try:
                py_compile.compile(str(path), cfile=str(target), dfile=f"{prefix}/{relative.as_posix()}",
                                   doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:
                continue  # a file that is not valid for this Python (e.g. a vendored py2 script): ship source only
            yield target, f"{prefix}/{Path(cached).as_posix()}"


def _unzipped_mb(paths: Iterable[Path]) -> float:
    """What the function and its layers take once unzipped (Lambda's limit is on the sum)."""
    total = 0
    for path in paths:
        if path.exists():
            with zipfile.ZipFile(path) as zf:
                total += sum(info.file_size for info in zf.infolist())
    return round(total / 2**20, 1)


def core_layer(out: Path) -> Path:
    """layers/crowdcart as a Lambda layer (python/crowdcart/… is on the runtime's path)."""
    target = out / "layer-core.zip"
    with tempfile.TemporaryDirectory() as scratch:
        _write_zip(target, _tree(ROOT / "layers" / "crowdcart", "python/crowdcart", Path(scratch)))
    return target


def dependencies_layer(out: Path, cache: Path) -> Tuple[Path, bool]:
    """requirements.txt as Lambda-platform wheels in a layer; cached by hash. Returns (zip, cache_hit)."""
    import chalice
    from chalice.deploy.packager import DependencyBuilder
    from chalice.utils import OSUtils

    requirements = ROOT / "requirements.txt"
    key = hashlib.sha256(requirements.read_bytes() + f"{ABI}-{ARCH}-{chalice.__version__}-pyc1".encode()).hexdigest()[:16]
    cached = cache / f"deps-{key}.zip"
    hit = cached.exists()
    if not hit:
        cache.mkdir(parents=True, exist_ok=True)
        site = cache / f"deps-{key}"
        shutil.rmtree(site, ignore_errors=True)
        DependencyBuilder(OSUtils()).build_site_packages(ABI, str(requirements), str(site))
        with tempfile.TemporaryDirectory() as scratch:
            _write_zip(cached, _tree(site, f"python/lib/{PYTHON_VERSION}/site-packages", Path(scratch)))
        shutil.rmtree(site, ignore_errors=True)
    target = out / "layer-deps.zip"
    target.unlink(missing_ok=True)
    try:
        os.link(cached, target)
    except OSError:
        shutil.copyfile(cached, target)
    return target, hit


def stage_project(stage_dir: Path, openapi: Dict[str, Any]) -> None:
    """A Chalice project Chalice can package: app.py, config, no requirements, vendor/ = functions/ + openapi.json."""
    shutil.rmtree(stage_dir, ignore_errors=True)
    (stage_dir / ".chalice").mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", stage_dir / "app.py")
    shutil.copy2(ROOT / ".chalice" / "config.json", stage_dir / ".chalice" / "config.json")
    (stage_dir / "requirements.txt").write_text("# third-party packages ship in the dependencies layer\n")
    shutil.copytree(ROOT / "functions", stage_dir / "vendor" / "functions", ignore=_SKIP)
    (stage_dir / "vendor" / OPENAPI_FILE).write_text(json.dumps(openapi, sort_keys=True))
    shutil.copytree(ROOT / "layers" / "crowdcart", stage_dir / "layer" / "python" / "crowdcart", ignore=_SKIP)


def chalice_package(stage_dir: Path, out: Path, stage: str, merge: Path) -> Dict[str, Any]:
    """Run `chalice package` on the staged project; returns its template."""
    out.mkdir(parents=True, exist_ok=True)
    chalice_bin = Path(sys.executable).with_name("chalice")
    command = [str(chalice_bin) if chalice_bin.exists() else "chalice", "--project-dir", str(stage_dir), "package",
               "--stage", stage, "--pkg-format", "cloudformation", "--template-format", "json",
               "--merge-template", str(merge), str(out)]
    proc = subprocess.run(command, capture_output=True, text=True,
                          env=_env(PYTHONPATH=str(stage_dir / "layer" / "python"), POWERTOOLS_LOG_LEVEL="CRITICAL"))
    if proc.returncode != 0:
        raise BuildError(f"chalice package failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    sam = out / "sam.json"
    template = json.loads(sam.read_text())
    sam.replace(out / "chalice-sam.json")
    return template


def build(out: Optional[Path] = None, stage: str = "dev", deps: bool = True,
          cache: Optional[Path] = None) -> Dict[str, Any]:
    """Build the package into `out`; returns a summary (paths, capabilities, seconds per step)."""
    out = Path(out or BUILD / "package").resolve()
    cache = Path(cache or BUILD / "cache").resolve()
    timings: Dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    config = load_json(ROOT / ".chalice" / "config.json")
    if stage not in config.get("stages", {}):
        raise BuildError(f"no stage {stage!r} in .chalice/config.json")
    info = describe_app()
    lap("describe_app")
    undocumented = [f"{r['method']} {r['path']}" for r in info["routes"] if not r["has_spec"]]
    lambda_names = {h["name"] for h in info["handlers"] if h["type"] == "LambdaFunction"}
    machines = load_state_machines(STATEMACHINES_DIR, lambda_names)
    specs = table_specs()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    stage_dir = out.parent / f"{out.name}-stage"
    stage_project(stage_dir, info["openapi"])
    core_layer(out)
    lap("stage_and_core_layer")
    cache_hit = None
    if deps:
        _, cache_hit = dependencies_layer(out, cache)
        lap("dependencies_layer")
    has_stream = any(h["type"] == "DynamoDBEventConfig" for h in info["handlers"])
    merge = out / "merge-template.json"
    merge.write_text(json.dumps(merge_template(specs, machines, has_stream), indent=2))
    template = chalice_package(stage_dir, out, stage, merge)
    lap("chalice_package")
    final = split(template, info, config, stage, load_json(TEMPLATE_DIR / "access.json"), specs, machines)
    (out / "template.json").write_text(json.dumps(final, indent=2, sort_keys=True))
    (out / OPENAPI_FILE).write_text(json.dumps(info["openapi"], indent=2, sort_keys=True))
    lap("split")
    unzipped = _unzipped_mb(out / name for name in ("deployment.zip", "layer-core.zip", "layer-deps.zip"))
    if unzipped > LAMBDA_UNZIPPED_LIMIT_MB:
        raise BuildError(f"function + layers unzip to {unzipped} MB; Lambda allows {LAMBDA_UNZIPPED_LIMIT_MB} MB")
    unknown_config = sorted(name for name in config["stages"][stage].get("lambda_functions", {})
                            if name.startswith("api_") and name[4:] not in info["capabilities"])
    return {"template": str(out / "template.json"), "stage": stage,
            "capabilities": sorted({r["capability"] for r in info["routes"] if not r["local_only"]}),
            "functions": sorted(k for k, v in final["Resources"].items() if v["Type"] == "AWS::Serverless::Function"),
            "state_machines": [m.path.name for m in machines], "routes": len(info["routes"]),
            "undocumented_routes": undocumented, "config_for_unknown_capabilities": unknown_config,
            "dependencies_layer": ("cached" if cache_hit else "built") if deps else "skipped",
            "unzipped_mb": unzipped,
            "seconds": round(time.perf_counter() - started, 2), "timings": timings}


def main(argv: Optional[list] = None) -> int:
    """CLI entry point: prints the build summary as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-deps", action="store_true", help="skip the dependencies layer (template checks only)")
    args = parser.parse_args(argv)
    try:
        summary = build(args.out, args.stage, deps=not args.no_deps)
    except BuildError as exc:
        sys.stderr.write(f"make package: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
