"""The deployment files, checked offline (no Docker engine, no cluster).

- ``docker-compose.yml`` against the compose specification (check-jsonschema with the schema
  vendored in ``deploy/schemas/``), ``deploy/k8s/`` with ``kubernetes-validate --strict``,
  ``deploy/haproxy.cfg`` with ``haproxy -c``; each check is shown to reject a broken file.
- No drift from the profile: every variable the files set is in the README's configuration
  table, every variable ``bot/production.py`` requires is set for every process (secrets never
  written in), each process's settings pass the same checks as ``make run``, the commands and
  health endpoints are those of ``bot/servers.py``, and ``endpoints.prod.yml`` read by Rasa
  gives what ``bot.production.endpoints`` gives the one-machine profile.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

import pytest
import yaml

from bot import config, production
from bot.config import PROJECT_ROOT
from bot.production import REQUIRED_VARIABLES
from bot.servers import Assistant, base_env

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = PROJECT_ROOT / "deploy" / "schemas" / "compose-spec.json"
COMPOSE_ENV_EXAMPLE = PROJECT_ROOT / "deploy" / "compose.env.example"
K8S = PROJECT_ROOT / "deploy" / "k8s"
SECRET_EXAMPLE = K8S / "secret.example.yaml"
ENDPOINTS = PROJECT_ROOT / "endpoints.prod.yml"
HAPROXY_CFG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"

#: The one image of every application process (compose tags it, kustomize renames it).
APP_IMAGE = "online-filiale-chat"
SECRET_NAME = "online-filiale-secrets"
CONFIGMAP_NAME = "online-filiale-config"
#: Kubernetes version the manifests are validated against (the newest kubernetes-validate 1.28.3 knows).
K8S_VERSION = "1.28.0"
#: What the image's WORKDIR holds: the repository's layout, so relative paths in commands work.
APP_DIR = "/app"
#: Variables that hold secrets: set from .env (compose) or the Secret (Kubernetes), never written in.
SECRET_VALUES = ("MEMBER_HASH_KEY", "MEMBER_TOKEN_SECRET", "ASSIST_TOKEN")


# --- reading the files -------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose() -> dict:
    return load_yaml(COMPOSE)


def app_services() -> dict[str, dict]:
    """The compose services that run the application image (not PostgreSQL, Redis, HAProxy)."""
    services = compose()["services"]
    found = {name: s for name, s in services.items() if str(s.get("image", "")).split(":")[0] == APP_IMAGE}
    assert found, "no service runs the application image: the pattern is broken"
    return found


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's interpolation: ``${X}``, ``${X:-default}``, ``${X:?error}`` (what .env would give)."""
    def one(match: re.Match) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if name in variables:
            return variables[name]
        assert kind == ":-", f"${{{name}}} has no value in {COMPOSE_ENV_EXAMPLE.name} and no default"
        return rest
    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", one, value)


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in COMPOSE_ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def compose_environment(service: dict) -> dict[str, str]:
    """A compose service's environment as the process sees it (with deploy/compose.env.example as .env)."""
    environment = service.get("environment", {})
    assert isinstance(environment, dict), "write environment as a mapping"
    variables = env_example()
    return {name: interpolate(str(value), variables) for name, value in environment.items()}


def kustomization() -> dict:
    return load_yaml(K8S / "kustomization.yaml")


def manifest_files() -> list[Path]:
    return [K8S / name for name in kustomization()["resources"]]


def k8s_resources() -> list[dict]:
    return [doc for path in manifest_files()
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def of_kind(kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in k8s_resources() if r["kind"] == kind}


def configmap() -> dict[str, str]:
    return of_kind("ConfigMap")[CONFIGMAP_NAME]["data"]


def secret_example() -> dict[str, str]:
    return load_yaml(SECRET_EXAMPLE)["stringData"]


def pod_spec(resource: dict) -> dict:
    if resource["kind"] == "CronJob":
        return resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return resource["spec"]["template"]["spec"]


@dataclass
class Container:
    """One container of a workload, with the environment it gets."""

    where: str
    spec: dict
    env: dict[str, str]
    #: Variables taken from the Secret (name → key).
    secret_refs: dict[str, str]


def k8s_containers() -> list[Container]:
    """Every container (init containers too) of every Deployment and CronJob."""
    data, secrets = configmap(), secret_example()
    found = []
    for resource in k8s_resources():
        if resource["kind"] not in ("Deployment", "CronJob"):
            continue
        spec = pod_spec(resource)
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            env, refs = {}, {}
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] == CONFIGMAP_NAME
                env.update(data)
            for item in container.get("env", []):
                if "value" in item:
                    env[item["name"]] = str(item["value"])
                else:
                    ref = item["valueFrom"]["secretKeyRef"]
                    assert ref["name"] == SECRET_NAME, f"{item['name']}: only the Secret {SECRET_NAME} is used"
                    refs[item["name"]] = ref["key"]
                    env[item["name"]] = secrets[ref["key"]]
            found.append(Container(f"{resource['kind']} {resource['metadata']['name']}/{container['name']}",
                                   container, env, refs))
    assert found, "no containers found: the pattern is broken"
    return found


def readme_variables() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def endpoints_yaml() -> str:
    """endpoints.prod.yml without its comments."""
    return re.sub(r"(^|\s)#.*$", "", ENDPOINTS.read_text(encoding="utf-8"), flags=re.MULTILINE)


def endpoints_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", endpoints_yaml()))


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Exactly ``env`` as the process environment, for code that reads os.environ."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def settings_for(env: dict[str, str]) -> config.Settings:
    with environment(env):
        return config.load_settings()


def normalise(command: list[str]) -> list[str]:
    """A command of bot/servers.py as it reads inside the image: ``python``, paths relative to the app."""
    root = str(PROJECT_ROOT) + os.sep
    return ["python" if arg == sys.executable else arg[len(root):] if arg.startswith(root) else arg
            for arg in command]


def servers_commands(env: dict[str, str], tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """What bot/servers.py runs with this environment, and its health URL, per kind of process."""
    settings = settings_for(env)
    model = settings.model_path
    stand_in = tmp_path / "model.tar.gz"  # the real model need not exist for this
    stand_in.write_bytes(b"")
    assistant = Assistant(replace(settings, model_path=stand_in), tmp_path)
    processes = {
        "rasa": assistant._rasa_process(ENDPOINTS),
        "actions": assistant._action_process(),
        "web": assistant._web_process(),
    }
    out = {}
    for kind, process in processes.items():
        command = [str(model) if arg == str(stand_in) else arg for arg in process.command]
        out[kind] = (normalise(command), process.health_url)
    return out


def kind_of(command: list[str]) -> str:
    """Which process a deployment command starts."""
    module = command[2] if command[:2] == ["python", "-m"] else ""
    kinds = {"rasa": "rasa", "rasa_sdk": "actions", "bot.web": "web"}
    if module in kinds:
        return kinds[module]
    if module == "bot":
        return command[3]  # migrate, purge
    raise AssertionError(f"unexpected command {command}")


def run(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


# --- the files against their specifications ----------------------------------------------------


def check_compose(path: Path) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "check_jsonschema", "--schemafile", str(COMPOSE_SCHEMA), str(path))


def test_compose_file_follows_the_compose_specification():
    result = check_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


def test_the_compose_check_rejects_a_misspelt_key(tmp_path: Path):
    text = COMPOSE.read_text(encoding="utf-8")
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace('    command: ["python", "-m", "bot.web"]', '    comand: ["python", "-m", "bot.web"]'),
                      encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    result = check_compose(broken)
    assert result.returncode != 0
    assert "comand" in result.stdout


def validate_k8s(*paths: Path) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "kubernetes_validate", "--strict", "-k", K8S_VERSION, *map(str, paths))


def test_kubernetes_manifests_validate_strictly():
    files = [*manifest_files(), SECRET_EXAMPLE]
    result = validate_k8s(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    documents = sum(1 for path in files for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc)
    assert result.stdout.count(" passed for resource ") == documents >= 12


def test_the_kubernetes_check_rejects_an_unknown_field(tmp_path: Path):
    text = (K8S / "rasa.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "rasa.yaml"
    broken.write_text(text.replace("  sessionAffinity: ClientIP", "  sessionAfinity: ClientIP"), encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    result = validate_k8s(broken)
    assert result.returncode != 0
    assert "sessionAfinity" in result.stdout + result.stderr


def haproxy_binary() -> str:
    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if binary is None:
        pytest.fail("haproxy is missing: `make test` installs it (Debian: apt-get install -y haproxy)")
    return binary


def test_haproxy_config_is_valid():
    result = run(haproxy_binary(), "-c", "-f", str(HAPROXY_CFG))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Configuration file is valid" in output
    # Offline, the compose service names cannot resolve; any other warning is a mistake.
    warnings = [line for line in output.splitlines() if "[WARNING]" in line or "[ALERT]" in line]
    assert all("could not resolve address" in line for line in warnings), warnings


# --- Kubernetes: the pieces fit together -------------------------------------------------------


def test_kustomization_lists_every_manifest_but_the_secret_example():
    listed = set(kustomization()["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_EXAMPLE.name}
    assert listed == present
    assert not of_kind("Secret"), "no Secret with values is deployed from git"
    assert [i["name"] for i in kustomization()["images"]] == [APP_IMAGE]
    for container in k8s_containers():
        assert container.spec["image"].split(":")[0] == APP_IMAGE, container.where


def test_services_and_ingresses_point_at_existing_pods_and_ports():
    deployments = of_kind("Deployment")
    services = of_kind("Service")
    assert set(services) == {"rasa", "actions", "web"}
    for name, service in services.items():
        template = deployments[name]["spec"]["template"]
        labels = template["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items(), name
        assert deployments[name]["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
        port_names = {p["name"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names, name
    for ingress in of_kind("Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["name"] in {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
    for budget in of_kind("PodDisruptionBudget").values():
        selected = [n for n, d in deployments.items()
                    if budget["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(selected) == 1 and deployments[selected[0]]["spec"]["replicas"] > budget["spec"]["minAvailable"]


def test_replicas_and_session_affinity():
    deployments = of_kind("Deployment")
    assert {n: d["spec"]["replicas"] for n, d in deployments.items()} == {"rasa": 2, "actions": 2, "web": 1}
    rasa_service = of_kind("Service")["rasa"]["spec"]
    assert rasa_service["sessionAffinity"] == "ClientIP"
    annotations = of_kind("Ingress")["chat-rasa"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-name"] == production.STICKY_COOKIE
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # idle websockets
    services = compose()["services"]
    rasa = [n for n, s in app_services().items() if kind_of(s["command"]) == "rasa"]
    assert sorted(rasa) == ["rasa-1", "rasa-2"]
    assert services["actions"]["deploy"]["replicas"] == 2


def test_every_deployment_has_probes_and_resources():
    for resource in of_kind("Deployment").values():
        for container in pod_spec(resource)["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"]["port"] == "http", (resource["metadata"]["name"], probe)
            resources = container["resources"]
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[part]), resource["metadata"]["name"]
            assert mebibytes(resources["limits"]["memory"]) >= mebibytes(resources["requests"]["memory"])
    rasa = pod_spec(of_kind("Deployment")["rasa"])["containers"][0]["resources"]
    assert mebibytes(rasa["limits"]["memory"]) >= 1536  # about 0.8 GiB resident after loading the model (measured)


def mebibytes(quantity: str) -> float:
    """A Kubernetes memory quantity in MiB (the suffixes these manifests use)."""
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity).groups()
    return float(number) * (1024 if unit == "Gi" else 1)


def test_purge_runs_daily_with_the_retention_setting():
    cronjob = of_kind("CronJob")["purge"]
    minute, hour, *rest = cronjob["spec"]["schedule"].split()
    assert minute.isdigit() and hour.isdigit() and rest == ["*", "*", "*"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = pod_spec(cronjob)["containers"]
    assert container["command"] == ["python", "-m", "bot", "purge"]
    assert int(configmap()["RETENTION_DAYS"]) >= 1
    assert app_services()["purge"]["command"] == container["command"]


def test_management_commands_exist():
    used = {tuple(c.spec["command"]) for c in k8s_containers() if kind_of(c.spec["command"]) in ("migrate", "purge")}
    used |= {tuple(s["command"]) for s in app_services().values() if kind_of(s["command"]) in ("migrate", "purge")}
    assert used == {("python", "-m", "bot", "migrate"), ("python", "-m", "bot", "purge")}
    for command in used:
        result = run(sys.executable, *command[1:], "--help")
        assert result.returncode == 0, result.stderr


# --- no drift from the profile -----------------------------------------------------------------


def test_every_variable_the_files_set_is_documented():
    used: dict[str, set[str]] = {
        "docker-compose.yml": {n for s in app_services().values() for n in s.get("environment", {})},
        "deploy/k8s ConfigMap": set(configmap()),
        "deploy/k8s containers": {n for c in k8s_containers() for n in c.env},
        "endpoints.prod.yml": endpoints_variables(),
    }
    documented = readme_variables()
    assert "PROFILE" in used["docker-compose.yml"] and "ACTION_HOST" in used["endpoints.prod.yml"], "pattern broken"
    undocumented = {where: sorted(names - documented) for where, names in used.items() if names - documented}
    assert not undocumented, f"add these to the README's configuration table: {undocumented}"


def test_required_variables_reach_every_process_and_no_secret_is_written_in():
    assert set(REQUIRED_VARIABLES) >= set(SECRET_VALUES)
    for name, service in app_services().items():
        environment = service["environment"]
        assert set(REQUIRED_VARIABLES) <= set(environment), name
        assert environment["PROFILE"] == "prod" and environment["DEMO_MODE"] == "false", name
        for secret in SECRET_VALUES:
            assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", environment[secret]), (name, secret)
        for url in ("DATABASE_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL"):
            password = urlsplit(environment[url].replace("${", "{")).password
            assert password is None or re.fullmatch(r"\{[A-Z0-9_]+:\?[^}]+\}", password), (name, url)
    for container in k8s_containers():
        assert set(container.secret_refs) == set(REQUIRED_VARIABLES), container.where
        assert all(key == name for name, key in container.secret_refs.items()), container.where
        assert container.env["PROFILE"] == "prod" and container.env["DEMO_MODE"] == "false", container.where
    assert set(secret_example()) == set(REQUIRED_VARIABLES)
    assert not set(REQUIRED_VARIABLES) & set(configmap()), "secrets belong in the Secret"


def deployment_environments() -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each application process of both deployments: its command and environment."""
    found = {f"compose {name}": (s["command"], compose_environment(s)) for name, s in app_services().items()}
    found.update({c.where: (c.spec["command"], c.env) for c in k8s_containers()})
    return found


def test_every_process_passes_the_startup_checks():
    for where, (_, env) in deployment_environments().items():
        settings = settings_for(env)
        assert config.problems(settings) == [], where
        assert production.problems(settings) == [], where
        assert settings.profile == "prod" and not settings.demo_mode, where



def test_values_are_written_as_bot_servers_hands_them_on():
    """Where bot/servers.py rewrites a variable for its processes, the deployments write it the same way
    (LOG_LEVEL in capitals: Rasa reads it itself and refuses ``info``)."""
    for where, (_, env) in deployment_environments().items():
        with environment(env):
            handed = base_env(config.load_settings())
        differing = {name: (env[name], handed[name]) for name in env if name != "PYTHONPATH" and env[name] != handed[name]}
        assert not differing, (where, differing)

def test_commands_are_those_of_bot_servers(tmp_path: Path):
    seen = set()
    for where, (command, env) in deployment_environments().items():
        kind = kind_of(command)
        seen.add(kind)
        if kind in ("migrate", "purge"):
            continue
        expected, _ = servers_commands(env, tmp_path)[kind]
        assert command == expected, where
    assert seen == {"rasa", "actions", "web", "migrate", "purge"}
    rasa = next(c for c, _ in deployment_environments().values() if kind_of(c) == "rasa")
    assert rasa[rasa.index("--endpoints") + 1] == ENDPOINTS.name
    assert rasa[rasa.index("--interface") + 1] == "0.0.0.0"


def probe_url(probe: dict, container: dict) -> tuple[int, str]:
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    return ports[probe["httpGet"]["port"]], probe["httpGet"]["path"]


def test_health_checks_use_the_servers_health_endpoints(tmp_path: Path):
    checked = []
    for container in k8s_containers():
        kind = kind_of(container.spec["command"])
        if kind not in ("rasa", "actions", "web"):
            continue
        _, health = servers_commands(container.env, tmp_path)[kind]
        expected = (urlsplit(health).port, urlsplit(health).path)
        assert probe_url(container.spec["readinessProbe"], container.spec) == expected, container.where
        assert probe_url(container.spec["startupProbe"], container.spec) == expected, container.where
        checked.append(kind)
    for name, service in app_services().items():
        kind = kind_of(service["command"])
        if kind not in ("rasa", "actions", "web"):
            continue
        _, health = servers_commands(compose_environment(service), tmp_path)[kind]
        local = f"http://127.0.0.1:{urlsplit(health).port}{urlsplit(health).path}"
        assert local in " ".join(service["healthcheck"]["test"]), name
        checked.append(kind)
    assert sorted(checked) == ["actions", "actions", "rasa", "rasa", "rasa", "web", "web"]  # k8s 3, compose 4


def rasa_environment() -> dict[str, str]:
    service = next(s for s in app_services().values() if kind_of(s["command"]) == "rasa")
    return compose_environment(service)


def test_endpoints_prod_read_by_rasa_give_the_production_endpoints():
    from rasa.utils.endpoints import read_endpoint_config

    text = endpoints_yaml()
    assert not re.search(r"""["']\$\{""", text), "a quoted ${VAR} stays literal in Rasa"
    compose_rasa = rasa_environment()
    k8s_rasa = next(c.env for c in k8s_containers() if kind_of(c.spec["command"]) == "rasa")
    for env in (compose_rasa, k8s_rasa):
        assert endpoints_variables() <= set(env)
        settings = settings_for(env)
        expected = production.endpoints(settings, settings.action_url)
        assert set(yaml.safe_load(text)) == set(expected)
        with environment(env):
            for section, wanted in expected.items():
                read = read_endpoint_config(str(ENDPOINTS), section)
                assert read.url == wanted.get("url"), section  # the response generator has none
                assert read.type == wanted.get("type"), section
                assert read.kwargs == {}, section


def test_endpoints_prod_refuse_an_unset_variable():
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    env = rasa_environment()
    del env["LOCK_STORE_URL"]
    with environment(env), pytest.raises(RasaException, match="LOCK_STORE_URL"):
        read_endpoint_config(str(ENDPOINTS), "lock_store")


def test_haproxy_config_matches_the_compose_topology(tmp_path: Path):
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    services = compose()["services"]
    rasa = {n: s for n, s in app_services().items() if kind_of(s["command"]) == "rasa"}
    port = settings_for(rasa_environment()).rasa_port
    servers = re.findall(r"^\s+server (\S+) (\S+):(\d+) cookie (\S+)$", text, flags=re.MULTILINE)
    assert sorted((name, host, int(p), cookie) for name, host, p, cookie in servers) == \
        [(n, n, port, n) for n in sorted(rasa)]
    assert re.search(rf"^\s+cookie {production.STICKY_COOKIE} insert indirect nocache", text, flags=re.MULTILINE)
    assert re.search(r"^\s+timeout tunnel 1h$", text, flags=re.MULTILINE)
    health = urlsplit(servers_commands(rasa_environment(), tmp_path)["rasa"][1]).path
    assert re.search(rf"^\s+http-check send meth GET uri {re.escape(health)}$", text, flags=re.MULTILINE)
    [bind] = re.findall(r"^\s+bind :(\d+)$", text, flags=re.MULTILINE)
    proxy = services["proxy"]
    assert proxy["image"].startswith("haproxy:2.6")
    assert f"{bind}:{bind}" in proxy["ports"] and int(bind) == port
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in proxy["volumes"]
    # The channels believe X-Forwarded-For from the proxy only: its fixed address.
    address = proxy["networks"]["default"]["ipv4_address"]
    for name, service in app_services().items():
        assert compose_environment(service)["TRUSTED_PROXIES"] == address, name
        if kind_of(service["command"]) == "web":
            assert compose_environment(service)["RASA_HOST"] == "proxy"



# --- the image --------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    base: str
    lines: list[str]


def dockerfile_stages() -> list[Stage]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: list[Stage] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"FROM (\S+)(?: AS (\S+))?", line)
        if match:
            stages.append(Stage(match.group(2) or "", match.group(1), []))
        else:
            stages[-1].lines.append(line)
    return stages


def copies(stage: Stage) -> list[tuple[Optional[str], list[str], str]]:
    """(from stage, sources, destination) of each COPY."""
    found = []
    for line in stage.lines:
        if line.startswith("COPY "):
            words = line.split()[1:]
            source_stage = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
            words = [w for w in words if not w.startswith("--")]
            found.append((source_stage, words[:-1], words[-1]))
    return found


def test_dockerfile_builds_the_layout_the_commands_expect():
    stages = {s.name: s for s in dockerfile_stages()}
    base, model, runtime = stages["base"], stages["model"], stages["runtime"]
    assert re.fullmatch(r"python:3\.10-slim(-\w+)?", base.base)
    assert model.base == runtime.base == "base"
    assert f"WORKDIR {APP_DIR}" in base.lines
    make_pip = re.search(r"^PIP_VERSION := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    install = " ".join(base.lines)
    assert f'"pip=={make_pip.group(1)}"' in install
    assert "pip install -r requirements.txt -c requirements.lock" in install
    # The Makefile's environment for Rasa and TensorFlow holds in the image too.
    exports = re.findall(r"^export (\w+) := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    env_line = next(line for line in base.lines if line.startswith("ENV "))
    for name, value in exports:
        if name != "PYTHONPATH":
            assert f"{name}={value}" in env_line, name
    assert f"PYTHONPATH={APP_DIR}" in env_line
    # The model: trained in its own stage from every input scripts/train-if-changed.sh names,
    # to the path the Rasa command loads.
    assert "RUN python -m rasa train --fixed-model-name current --out models" in model.lines
    script = (PROJECT_ROOT / "scripts" / "train-if-changed.sh").read_text(encoding="utf-8")
    inputs = re.search(r"find (.+?) -type f", script).group(1).split()
    copied = [src.rstrip("/") for _, sources, _ in copies(model) for src in sources]
    for path in inputs:
        assert any(path == c or path.startswith(c + "/") for c in copied), f"{path} is a model input"
    rasa = next(s["command"] for s in app_services().values() if kind_of(s["command"]) == "rasa")
    model_path = rasa[rasa.index("--model") + 1]
    assert ("model", [f"{APP_DIR}/{model_path}"], model_path) in copies(runtime)
    assert ("widget", [f"{APP_DIR}/node_modules/"], "node_modules/") in copies(runtime)
    assert (None, ["."], ".") in copies(runtime)
    user = next(line.split()[1] for line in runtime.lines if line.startswith("USER "))
    uid = user.split(":")[0]
    for resource in of_kind("Deployment").values():
        assert str(pod_spec(resource)["securityContext"]["runAsUser"]) == uid


def test_dockerignore_keeps_local_and_secret_files_out():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", "models", "node_modules", "var", ".env", ".rasa"} <= ignored
    needed = {src.rstrip("/") for stage in dockerfile_stages() for frm, sources, _ in copies(stage) if frm is None
              for src in sources if src != "."}
    needed |= {ENDPOINTS.name, "credentials.yml", "actions", "addons", "bot"}  # the commands use them
    for path in needed:
        assert (PROJECT_ROOT / path).exists(), path
        assert path not in ignored and path.split("/")[0] not in ignored, f"{path} is needed in the image"
