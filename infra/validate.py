"""`make lint`: asl-validator on every state machine, cfn-lint on the packaged template.

Fails (exit 1) on any ASL error or any cfn-lint error; cfn-lint warnings are listed, not fatal.
Usage: python -m infra.validate [--template build/package/template.json]
(without --template it packages a fresh template into build/lint/, dependencies layer skipped).
"""
import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from infra.resources import STATEMACHINES_DIR, BuildError

ROOT = Path(__file__).resolve().parents[1]
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


@dataclass
class Report:
    """What one validator said: `ok`, its exit code, and the findings."""

    ok: bool
    returncode: int
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


def asl_files(directory: Path = STATEMACHINES_DIR) -> List[Path]:
    """Every state machine definition in `directory`."""
    return sorted(directory.glob("*.asl.json"))


def validate_asl(paths: Sequence[Path]) -> Report:
    """Run asl-validator once over `paths` (zero files: nothing to check, ok)."""
    if not paths:
        return Report(True, 0)
    if not ASL_VALIDATOR.exists():
        raise BuildError(f"{ASL_VALIDATOR} is missing: run `make deps` (npm ci)")
    command = [str(ASL_VALIDATOR)]
    for path in paths:
        command += ["--json-path", str(path)]
    proc = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith("✓")]
    return Report(proc.returncode == 0, proc.returncode, errors if proc.returncode else [])


def validate_template(template: Path) -> Report:
    """Run cfn-lint on `template`; errors (E…) fail, warnings (W…) and infos are listed."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    proc = subprocess.run([str(cfn_lint) if cfn_lint.exists() else "cfn-lint", "--format", "json", str(template)],
                          capture_output=True, text=True)
    try:
        findings = json.loads(proc.stdout or "[]")
    except ValueError as exc:
        raise BuildError(f"cfn-lint failed to run (rc={proc.returncode}): {proc.stderr[-2000:]}") from exc
    errors, warnings = [], []
    for item in findings:
        line = (f"{item['Rule']['Id']} {item['Message']} "
                f"({Path(item['Filename']).name}:{item['Location']['Start']['LineNumber']})")
        (errors if item["Level"] == "Error" else warnings).append(line)
    return Report(not errors and proc.returncode in (0, 4, 8, 12), proc.returncode, errors, warnings)


def main(argv: Optional[list] = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", type=Path, default=None)
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    try:
        files = asl_files()
        asl = validate_asl(files)
        template = args.template
        if template is None:
            from infra.build import BUILD, build

            template = Path(build(BUILD / "lint", args.stage, deps=False)["template"])
        cfn = validate_template(template)
    except BuildError as exc:
        sys.stderr.write(f"make lint: {exc}\n")
        return 1
    out = sys.stdout
    out.write(f"asl-validator: {len(files)} state machine(s), {'ok' if asl.ok else 'FAILED'}\n")
    for line in asl.errors:
        out.write(f"  {line}\n")
    out.write(f"cfn-lint {template}: {len(cfn.errors)} error(s), {len(cfn.warnings)} warning(s)\n")
    for line in cfn.errors + cfn.warnings:
        out.write(f"  {line}\n")
    return 0 if asl.ok and cfn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
