"""The production compose stack, built and started for a test on this machine: images
from Debian's packages where no registry is reachable (deploy/test/), the repository's
docker-compose.yml unchanged plus tests/deploy/compose.test.yml (a mail sink), the TLS
proxy published on loopback only. `make test-deploy` drives it (docs/deploy.md)."""

from __future__ import annotations

import functools
import glob
import http.server
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("DEPLOY_PROJECT", "normassess-deploytest")
HTTPS_PORT = int(os.environ.get("DEPLOY_HTTPS_PORT", "18220"))
HTTP_PORT = HTTPS_PORT + 1
APP_IMAGE = os.environ.get("DEPLOY_APP_IMAGE", "normassess:test-deploy")
STAND_INS = {
    "PYTHON_IMAGE": "normassess-test/python:bookworm",
    "POSTGRES_IMAGE": "normassess-test/postgres:bookworm",
    "REDIS_IMAGE": "normassess-test/redis:bookworm",
    "CADDY_IMAGE": "normassess-test/caddy:bookworm",
}
# Where this machine keeps the CPU build of torch when download.pytorch.org is unreachable
# (pip's find-links on the host); served to the build as a package index on loopback.
TORCH_WHEELS = os.environ.get("DEPLOY_TORCH_WHEELS", "/opt/wheels")
TORCH_INDEX_PORT = int(os.environ.get("DEPLOY_TORCH_INDEX_PORT", str(HTTPS_PORT + 9)))


def run(
    *args: str, check: bool = True, timeout: float = 600, **kwargs
) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)[:300]} -> {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def _serve_torch_index() -> str | None:
    """A PEP 503 index of the local torch wheel on a loopback port; None without one."""
    wheels = sorted(glob.glob(os.path.join(TORCH_WHEELS, "torch-2.13.0+cpu-*.whl")))
    if not wheels:
        return None
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"{PROJECT}-torch-index"
    (root / "simple" / "torch").mkdir(parents=True, exist_ok=True)
    name = os.path.basename(wheels[0])
    target = root / "simple" / "torch" / name
    if not target.exists():
        target.symlink_to(wheels[0])
    (root / "simple" / "torch" / "index.html").write_text(
        f'<a href="{name.replace("+", "%2B")}">{name}</a>\n'
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    # A fixed port: the URL is a build argument, and a new one would rebuild pip's layer.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", TORCH_INDEX_PORT), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/simple/"


_TORCH_INDEX: list[str | None] = []


def _build_args() -> list[str]:
    args = ["--build-arg", f"BASE={STAND_INS['PYTHON_IMAGE']}"]
    # The host's extra CA (a TLS-inspecting proxy's), trusted by pip for the build only.
    extra_ca = "".join(
        Path(p).read_text() for p in sorted(glob.glob("/usr/local/share/ca-certificates/*.crt"))
    )
    if extra_ca:
        args += ["--build-arg", f"EXTRA_CA_CERTS={extra_ca}"]
    if not _TORCH_INDEX:
        _TORCH_INDEX.append(_serve_torch_index())
    if _TORCH_INDEX[0]:
        args += ["--build-arg", f"TORCH_INDEX_URL={_TORCH_INDEX[0]}"]
        args += ["--build-arg", "PIP_EXTRA_INDEX_URL=https://pypi.org/simple"]
    return args


def _build(tag: str, context: Path) -> None:
    build = ["docker", "build", "--network", "host", "-q", "-t", tag]
    run(*build, *_build_args(), str(context), timeout=1800)


def build_images() -> None:
    # Its pip is this environment's (a bare Debian's python3 has none).
    run(
        "sh",
        str(ROOT / "deploy/test/install-deps.sh"),
        env={**os.environ, "PYTHON": sys.executable},
    )
    run("sh", str(ROOT / "deploy/test/base-images.sh"), timeout=1200)
    _build(APP_IMAGE, ROOT)


# The previous release, for the upgrade test: the commit before the deployment was first
# started for real. CHANGELOG.md names the releases; move this to the latest tag.
PREVIOUS_RELEASE = os.environ.get("DEPLOY_PREVIOUS_RELEASE", "2d79b9d")
PREVIOUS_IMAGE = "normassess:test-deploy-previous"


def build_previous_release_image() -> str:
    """The previous release's code in an image built by this Dockerfile (that release's
    own one cannot build without a registry: no base-image argument, and its collectstatic
    fails with DJANGO_DEBUG=0 and no email setting). Same requirements, so pip's layer is
    shared with the current image's."""
    source = Path(os.environ.get("TMPDIR", "/tmp")) / f"{PROJECT}-previous"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    shutil.copy(ROOT / "Dockerfile", source / "Dockerfile")
    _build(PREVIOUS_IMAGE, source)
    shutil.rmtree(source, ignore_errors=True)
    return PREVIOUS_IMAGE


def _certificate(directory: Path) -> None:
    run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
    )  # fmt: skip
    # The proxy runs as whatever user its image has: the key must be readable to it.
    (directory / "privkey.pem").chmod(0o644)


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    extra_files: list[Path] = field(default_factory=list)  # more compose files, last wins

    @property
    def base(self) -> str:
        return f"https://localhost:{HTTPS_PORT}"

    def compose_files(self) -> list[str]:
        files = [
            ROOT / "docker-compose.yml",
            ROOT / "tests/deploy/compose.test.yml",
            *self.extra_files,
        ]
        return [arg for f in files for arg in ("-f", str(f))]

    def compose_command(self) -> str:
        """The compose command line for deploy/'s scripts (their COMPOSE variable)."""
        parts = ["docker", "compose", "-p", PROJECT, "--project-directory", str(ROOT)]
        return " ".join(parts + self.compose_files())

    def env_for_scripts(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def compose(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        return run(
            *self.compose_command().split(), *args,
            check=check, timeout=timeout, env=self.env_for_scripts(),
        )  # fmt: skip

    def sql(self, query: str) -> str:
        """One query's rows, `|`-separated, through psql in the database container."""
        out = self.compose(
            "exec", "-T", "db", "psql", "-U", "normassess", "-d", "normassess", "-At", "-c", query
        )
        return out.stdout.strip()

    def python(self, service: str, code: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.compose("exec", "-T", service, "python", "-c", code, check=check)

    def manage(self, *args: str) -> str:
        return self.compose("exec", "-T", "web", "python", "manage.py", *args).stdout

    def container(self, service: str) -> str:
        return self.compose("ps", "-a", "-q", service).stdout.strip()

    def inspect(self, service: str, template: str) -> str:
        return run("docker", "inspect", "-f", template, self.container(service)).stdout.strip()

    def up(self, timeout: float = 600) -> None:
        self.compose(
            "up", "-d", "--wait", "--wait-timeout", str(int(timeout)), timeout=timeout + 60
        )

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", check=False, timeout=300)

    def logs(self, service: str = "") -> str:
        return self.compose(
            "logs", "--no-color", *([service] if service else []), check=False
        ).stdout

    def wait_for(self, what: str, predicate, timeout: float = 120, interval: float = 1.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(interval)


def new_stack(workdir: Path) -> Stack:
    certs = workdir / "certs"
    certs.mkdir(parents=True, exist_ok=True)
    _certificate(certs)
    env = {
        **STAND_INS,
        "NORMASSESS_IMAGE": APP_IMAGE,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
        "REDIS_PASSWORD": secrets.token_urlsafe(18),
        "METRICS_TOKEN": secrets.token_urlsafe(18),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "PUBLIC_ORIGIN": f"localhost:{HTTPS_PORT}",
        "PUBLISH_ADDRESS": "127.0.0.1",
        "HTTPS_PORT": str(HTTPS_PORT),
        "HTTP_PORT": str(HTTP_PORT),
        "TLS_CERT_DIR": str(certs),
        "EMAIL_URL": "smtp://mail:2525",
        "GRADER_POOL_SIZE": "2",
    }
    return Stack(workdir=workdir, env=env)


def docker_available() -> bool:
    return shutil.which("docker") is not None
