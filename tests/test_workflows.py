"""GitHub Actions workflows: valid for actionlint, and doing what deployment needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert binary, "actionlint is installed by the test extras"
    return subprocess.run([binary, *map(str, paths)], capture_output=True, text=True, check=False)


def test_workflows_pass_actionlint() -> None:
    result = actionlint(WORKFLOWS / "ci.yml", WORKFLOWS / "pages.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (WORKFLOWS / "pages.yml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout: 5", 1)
    )
    result = actionlint(broken)
    assert result.returncode != 0 and "timeout" in result.stdout


def test_pages_workflow_builds_strict_and_deploys() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "pages.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    build_steps = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "") for step in build_steps]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/configure-pages@") for u in uses)
    runs = "\n".join(step.get("run", "") for step in build_steps)
    assert "pip install -e ." in runs and "npm" not in runs  # KaTeX comes with notesite
    # base_url from the Pages configuration, on the command line (notesite.yaml untouched)
    assert 'notesite build --strict --base-url "$PAGES_URL"' in runs and "sed" not in runs
    pages = next(step for step in build_steps if step.get("id") == "pages")
    assert pages["uses"].startswith("actions/configure-pages@")
    build = next(step for step in build_steps if "notesite build" in step.get("run", ""))
    assert build["env"]["PAGES_URL"] == "${{ steps.pages.outputs.base_url }}"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_ci_workflow_runs_the_readme_test_command() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    runs = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    assert ".ci/run" in runs
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert command in readme
