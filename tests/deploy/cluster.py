"""Several serving nodes behind a local nginx: what the deployment tests
(and the figures in README "Deployment") run.

nginx runs unprivileged-style from a temporary prefix on a free high port,
in the foreground, with its own pid file, logs and temp folders; it is
stopped by its process id.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from tests.support.processes import free_port, listening

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


def find_nginx() -> str | None:
    for name in NGINX_CANDIDATES:
        path = shutil.which(name) or (name if os.access(name, os.X_OK) else None)
        if path:
            return path
    return None


def ensure_nginx() -> tuple[str | None, str]:
    """nginx's path, installing Debian's package when missing (as
    ``scripts/setup --test`` does); else None and why not."""
    found = find_nginx()
    if found:
        return found, ""
    if not shutil.which("apt-get"):
        return None, "nginx is not installed and there is no apt-get to install it"
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "nginx"], capture_output=True, env=env, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"nginx is not installed and could not be installed ({e})"
    found = find_nginx()
    return (found, "") if found else (None, "nginx is not installed and `apt-get install nginx` failed (no root, or offline)")


def nginx_conf(prefix: Path, port: int, upstreams: list[str]) -> str:
    """A load balancer over ``upstreams`` (host:port) in the foreground,
    every file under ``prefix``: the same proxy settings as
    ``scripts/deploy/nginx-cluster.conf`` without TLS."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would switch to nobody
    servers = "\n".join(f"        server {u} max_fails=3 fail_timeout=5s;" for u in upstreams)
    temps = "\n".join(f"    {kind}_temp_path {prefix}/tmp-{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""\
{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
{temps}
    upstream etslib_search {{
{servers}
        keepalive 16;
        keepalive_timeout 1s;  # below gunicorn's 2 s: never reuse a connection gunicorn is closing
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://etslib_search;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 70s;
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_proxy(nginx: str, prefix: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx balancing ``upstreams``; yields its base URL."""
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, port, upstreams))
    check = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed: {check.stderr}")
    cmd = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    with listening(cmd, port, prefix / "stderr.log", what="nginx", timeout=10, error_log=prefix / "error.log"):
        yield f"http://127.0.0.1:{port}"  # stopped with SIGTERM: the master stops its workers


def error_lines(prefix: Path) -> list[str]:
    """nginx's errors (an upstream that failed, even when retried elsewhere)."""
    try:
        text = (prefix / "error.log").read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if "[error]" in line or "[crit]" in line or "[alert]" in line or "[emerg]" in line]
