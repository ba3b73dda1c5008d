"""What a render ships for CI and production, checked with the tools those places use: hadolint on
the Dockerfile, actionlint, GitHub's workflow schema and zizmor on the workflows, pre-commit on
its configuration, Compose on compose.yaml, kustomize and Kubernetes' schemas on the manifests."""

import secrets
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import ROOT, docker_compose
from .test_rendering import answers_of

BIN = Path(sys.executable).parent


def tool(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def workflows(project: Path) -> list[str]:
    return sorted(
        str(p.relative_to(project)) for p in (project / ".github/workflows").glob("*.yml")
    )


def test_the_image_leaves_out_secrets_manifests_and_tests(project: Path) -> None:
    ignored = (project / ".dockerignore").read_text().split()

    assert {".env", ".env.*", "deploy", "tests", ".git"} <= set(ignored)


def test_dockerfile_passes_hadolint(project: Path) -> None:
    linted = tool(project, "hadolint", "Dockerfile")

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_dockerfile_builds_from_the_lock_as_a_numeric_user_with_a_healthcheck(
    project: Path,
) -> None:
    dockerfile = (project / "Dockerfile").read_text()

    assert dockerfile.count("uv sync --locked") == 2
    assert "USER 10001" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/health/live" in dockerfile
    assert 'CMD ["python", "-m", "my_service.serve"]' in dockerfile
    assert "--chown" not in dockerfile  # the service cannot rewrite its own code


def test_workflows_pass_actionlint_the_schema_and_zizmor(project: Path) -> None:
    files = workflows(project)

    linted = tool(project, "actionlint", *files)
    schema = tool(
        project, "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files
    )
    audited = tool(project, "zizmor", "--offline", "--no-progress", *files)

    assert files == [".github/workflows/ci.yml", ".github/workflows/template-update.yml"]
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert schema.returncode == 0, schema.stdout + schema.stderr
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_the_template_update_runs_unreviewed_code_without_credentials(project: Path) -> None:
    """The job that merges the template and runs its checks (code nobody reviewed yet) can
    read only; the job that can push runs nothing from the update but git and gh."""
    workflow = yaml.safe_load((project / ".github/workflows/template-update.yml").read_text())
    update, propose = workflow["jobs"]["update"], workflow["jobs"]["propose"]
    script = (project / "scripts" / "update_from_template.py").read_text()
    groups = tomllib.loads((project / "pyproject.toml").read_text())["dependency-groups"]

    assert workflow["permissions"] == {}
    assert update["permissions"] == {"contents": "read"}
    assert update["steps"][0]["with"]["persist-credentials"] is False
    assert propose["needs"] == "update"
    assert set(propose["permissions"]) == {"contents", "pull-requests"}
    commands = " ".join(step.get("run", "") for step in propose["steps"])
    assert "uv " not in commands
    assert "python" not in commands
    assert '"--group", "template", "copier"' in script  # the locked Copier, not the newest
    assert groups["template"] == ["copier>=9.10,<10"]


def test_dependabot_proposes_updates_of_the_lock_the_actions_and_the_images(
    project: Path,
) -> None:
    """Its pull requests run ci.yml (on `pull_request`), so each proposed version is tested."""
    configuration = project / ".github" / "dependabot.yml"
    validated = tool(
        project, "check-jsonschema", "--builtin-schema", "vendor.dependabot", str(configuration)
    )
    updates = yaml.safe_load(configuration.read_text())["updates"]
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())

    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert {update["package-ecosystem"] for update in updates} == {
        "uv", "github-actions", "docker", "docker-compose"
    }  # fmt: skip
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True


def test_this_repositorys_workflows_pass_actionlint_the_schema_and_zizmor() -> None:
    """The generator's own: the matrix on every push, the daily canary (newest dependencies,
    many seeds of the generative test)."""
    files = workflows(ROOT)

    linted = tool(ROOT, "actionlint", *files)
    schema = tool(ROOT, "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    audited = tool(ROOT, "zizmor", "--offline", "--no-progress", *files)
    canary = yaml.safe_load((ROOT / ".github/workflows/canary.yml").read_text())

    assert files == [".github/workflows/canary.yml", ".github/workflows/matrix.yml"]
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert schema.returncode == 0, schema.stdout + schema.stderr
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "schedule" in canary[True]
    newest = canary["jobs"]["newest-dependencies"]
    assert newest["env"] == {"ASYNCFORGE_NEWEST_DEPENDENCIES": "1"}
    assert "--explore" in canary["jobs"]["explore"]["steps"][-1]["run"]


def test_ci_tests_against_exactly_the_chosen_services_on_every_python(project: Path) -> None:
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    answers = answers_of(project)
    test = workflow["jobs"]["test"]

    expected = {"postgres"}
    expected |= {"redis"} if answers["redis"] else set()
    expected |= {"rabbitmq"} if answers["tasks"] == "celery" and not answers["redis"] else set()
    assert set(test["services"]) == expected
    assert test["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert "${{ matrix.python }}" in (project / ".github/workflows/ci.yml").read_text()


def test_pre_commit_configuration_is_valid_and_refuses_rejected_hunks(project: Path) -> None:
    validated = tool(project, "pre-commit", "validate-config", ".pre-commit-config.yaml")
    hooks = {
        hook["id"]: hook
        for repo in yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"]
        for hook in repo["hooks"]
    }

    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert {"ruff-check", "ruff-format", "mypy", "no-merge-conflict-markers"} <= set(hooks)
    assert hooks["no-rejected-template-hunks"]["language"] == "fail"


def compose(project: Path, *files: str) -> dict[str, Any]:
    chosen = [argument for name in files for argument in ("--file", name)]
    result = docker_compose(project, *chosen, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services: dict[str, Any] = yaml.safe_load(result.stdout)["services"]
    return services


def test_compose_waits_for_every_dependency_to_be_healthy(project: Path) -> None:
    services = compose(project)

    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = (
                "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            )
            assert condition["condition"] == wanted, (name, dependency)
            assert (
                dependency == "migrate"
                or "healthcheck" in services[dependency]
                or (
                    dependency == "api"  # the image's HEALTHCHECK
                )
            ), (name, dependency)


def test_compose_offers_pgbouncer_in_transaction_mode_in_front_of_postgres(project: Path) -> None:
    services = compose(project, "compose.yaml", "compose.pgbouncer.yaml")
    through = [name for name in ("api", "worker") if name in services]

    for name in through:
        assert "@pgbouncer:5432/" in services[name]["environment"]["DATABASE_URL"], name
        assert services[name]["environment"]["DATABASE_POOLER"] == "pgbouncer"
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert "DATABASE_POOLER" not in services["migrate"]["environment"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert services["pgbouncer"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in services["pgbouncer"]


def test_compose_takes_secrets_from_the_environment(project: Path) -> None:
    text = (project / "compose.yaml").read_text()

    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}" in text
    assert ":postgres@postgres" not in text  # the URL is built from the variable
    without_a_key = docker_compose(project, "config", "--quiet", secrets=False)
    # No default signing key, not even a laptop's. (This docker-compose exits 0 either way.)
    refused = "required variable AUTH_SECRET_KEY is missing" in without_a_key.stderr
    assert refused is (answers_of(project)["auth"] == "jwt"), without_a_key.stderr


def test_compose_scrapes_metrics_only_with_prometheus(project: Path) -> None:
    services = compose(project)
    prometheus = answers_of(project)["prometheus"]

    assert ("prometheus" in services) is prometheus
    assert (project / "deploy" / "prometheus.yml").is_file() is prometheus


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kubernetes_overlays_build_and_every_object_is_valid(
    project: Path, overlay: str, tmp_path: Path
) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(project / "deploy", deploy)
    if answers_of(project)["auth"] == "jwt":  # as the dev overlay's comment says to make it
        (deploy / "k8s" / "overlays" / "dev" / "auth-secret-key").write_text(
            secrets.token_urlsafe(48)
        )
    built = tool(tmp_path, "kubectl", "kustomize", f"deploy/k8s/overlays/{overlay}")
    assert built.returncode == 0, built.stderr
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(built.stdout)

    validated = tool(tmp_path, "kubernetes-validate", "--strict", str(manifest))

    assert validated.returncode == 0, validated.stdout + validated.stderr
    objects = [o for o in yaml.safe_load_all(built.stdout) if o]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    answers = answers_of(project)
    name = answers["project_name"]
    assert {
        ("Deployment", f"{name}-api"),
        ("Service", name),
        ("HorizontalPodAutoscaler", f"{name}-api"),
        ("PodDisruptionBudget", f"{name}-api"),
        ("Job", f"{name}-migrate"),
    } <= kinds
    assert (("Deployment", f"{name}-worker") in kinds) is (answers["tasks"] == "celery")
    assert any(kind == "Secret" for kind, _ in kinds) is (overlay == "dev")
    api = next(
        o for o in objects if o["metadata"]["name"] == f"{name}-api" and o["kind"] == "Deployment"
    )
    pod = api["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["initContainers"][0]["command"][-1].endswith(".wait_for_migrations")
    scraped = pod["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true"
    assert scraped is answers["prometheus"]
    pooled = overlay == "prod"  # dev reaches PostgreSQL directly
    assert (("Deployment", f"{name}-pgbouncer") in kinds) is pooled
    settings = next(o for o in objects if o["kind"] == "ConfigMap")
    assert (settings["data"].get("DATABASE_POOLER") == "pgbouncer") is pooled
    for deployment in ("api", "worker"):
        found = [o for o in objects if o["metadata"]["name"] == f"{name}-{deployment}"]
        if deployment == "worker" and not found:
            continue
        env = {
            entry["name"]: entry
            for entry in next(o for o in found if o["kind"] == "Deployment")["spec"]["template"][
                "spec"
            ]["containers"][0].get("env", [])
        }
        key = env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {}).get("key")
        assert key == ("DATABASE_POOLED_URL" if pooled else None), deployment
    migrate = next(o for o in objects if o["kind"] == "Job")
    assert "DATABASE_URL" not in str(
        migrate["spec"]["template"]["spec"]["containers"][0].get("env")
    )
    pods = [o["spec"]["template"]["spec"] for o in objects if o["kind"] in ("Deployment", "Job")]
    ours = [spec for spec in pods if name in spec["containers"][0]["image"]]  # not PgBouncer
    for spec in ours:
        assert spec["automountServiceAccountToken"] is False
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            assert "secretRef" not in str(container.get("envFrom", ""))  # secrets are files
            assert "/run/secrets" in str(container.get("volumeMounts", ""))
    assert settings["data"]["SETTINGS_SECRETS_DIR"] == "/run/secrets"
    assert settings["data"]["TRUSTED_PROXIES"] not in ("*", "")
    assert settings["data"]["OPENAPI_URL"] == ""
    assert (settings["data"].get("METRICS_PORT") == "9100") is answers["prometheus"]
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    if overlay == "dev" and answers["auth"] == "jwt":
        dev = (project / "deploy" / "k8s" / "overlays" / "dev" / "kustomization.yaml").read_text()
        assert "AUTH_SECRET_KEY=" not in dev.replace("AUTH_SECRET_KEY=auth-secret-key", "")


def test_the_repository_fans_the_matrix_out_one_job_per_run_from_the_generator() -> None:
    root = Path(__file__).resolve().parents[1]
    workflow = root / ".github" / "workflows" / "matrix.yml"

    linted = tool(root, "actionlint", str(workflow))
    audited = tool(root, "zizmor", "--offline", "--no-progress", str(workflow))
    jobs = yaml.safe_load(workflow.read_text())["jobs"]

    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "asyncforge matrix --list --json" in jobs["plan"]["steps"][-1]["run"]
    assert jobs["combination"]["strategy"]["matrix"]["run"] == (
        "${{ fromJSON(needs.plan.outputs.runs) }}"
    )
