"""scripts/deploy/: the nginx configurations pass ``nginx -t``, the
systemd units ``systemd-analyze verify``, the compose file parses and runs
the roles it says, the Dockerfile copies what exists. (Docker itself is
not run here.)"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

from .cluster import find_nginx

DEPLOY = ROOT / "scripts" / "deploy"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "library.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )
    crt, pem = folder / "cert.pem", folder / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return crt, pem


def _nginx_version(nginx: str) -> tuple[int, ...]:
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    return tuple(int(x) for x in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out).groups())


@pytest.mark.parametrize("name", ["nginx.conf", "nginx-cluster.conf", "nginx-compose.conf"])
def test_nginx_accepts_the_configuration(name, tmp_path):
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/setup --test installs it)")
    crt, key = _self_signed(tmp_path)
    text = (DEPLOY / name).read_text()
    # Only what cannot exist here changes: the certificate files, and the
    # compose service names (Docker's DNS) become this machine.
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {crt};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", text)
    text = text.replace("server search:8000", "server 127.0.0.1:8000").replace("server writer:8000", "server 127.0.0.1:8001")
    if _nginx_version(nginx) < (1, 25, 1):  # `http2 on;` is newer than this nginx
        text = text.replace("http2 on;", "")
    site = tmp_path / name
    site.write_text(text)
    main = tmp_path / "main.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n    include {site};\n}}\n")
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "test is successful" in r.stderr


def test_the_compose_file_runs_a_writer_a_publisher_read_only_nodes_and_nginx():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"writer", "publisher", "search", "nginx"}
    build = services["writer"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    search = services["search"]
    assert "--read-only" in search["command"] and search["read_only"] is True
    assert search["volumes"] == ["published:/srv/published:ro"] and search["deploy"]["replicas"] >= 2
    assert "etslib publish /srv/published" in " ".join(services["publisher"]["command"])
    assert "index:/srv/index:ro" in services["publisher"]["volumes"]
    assert "index:/srv/index" in services["writer"]["volumes"]
    mount = services["nginx"]["volumes"][0].split(":")
    assert (DEPLOY / mount[0]).is_file() and mount[1] == "/etc/nginx/conf.d/default.conf"
    assert set(compose["volumes"]) == {"index", "published"}


def test_the_dockerfile_copies_what_exists():
    lines = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text()).splitlines()
    instructions = [line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")]
    known = {"FROM", "RUN", "COPY", "WORKDIR", "USER", "ENV", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD", "ARG", "LABEL"}
    assert instructions[0] == "FROM" and set(instructions) <= known, set(instructions) - known
    for line in lines:
        if line.startswith("COPY"):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), src
    assert 'ENTRYPOINT ["etslib"]' in lines


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    etslib = shutil.which("etslib", path=str(Path(__import__("sys").executable).parent))
    assert etslib, "the etslib command is not installed in this environment"
    units = []
    for unit in sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer")):
        text = unit.read_text().replace("/opt/etslib/.venv/bin/etslib", etslib)
        name = unit.name.replace("@.service", "@8011.service")  # a template is verified as an instance
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not [line for line in r.stderr.splitlines() if "etslib" in line], r.stderr


@pytest.mark.parametrize("name", ["nginx-cluster.conf", "nginx-compose.conf"])
def test_staff_work_and_files_go_to_the_writer_searches_to_the_nodes(name):
    text = (DEPLOY / name).read_text()
    routes = dict(re.findall(r"location (\S+) \{.*?proxy_pass http://(\w+);", text, re.S))
    assert routes == {"/": "etslib_search", "/staff/": "etslib_writer", "/file/": "etslib_writer"}
    assert "proxy_next_upstream error timeout" in text  # a node that fails: the next one answers
