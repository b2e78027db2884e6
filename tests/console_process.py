"""A real console process, as the documented install runs it: an unprivileged user (`nobody`
when the tests run as root, dropped with setpriv), its own XDG folders, the deck published
with `kiosk publish` *before* the console is first opened (docs/deploy.md's order), and a
plain HTTP client with a cookie jar (stdlib http.client: what a browser sends, nothing more).
"""

from __future__ import annotations

import http.client
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.console_helpers import PASSWORD, REPO

# Debian's own interpreter of the same minor version: a venv's may live where the user cannot
# go (pyenv under /root, mode 0700). The venv's packages are plain files the user can read, and
# 3.11.x wheels are the same ABI, so `python -m kiosk` with them on the path is the kiosk.
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


def drop_root() -> list[str]:
    """The command prefix that runs a child as an unprivileged user ([] when we are one)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def unprivileged_reason() -> str | None:
    """Why the test cannot run as an unprivileged user, or None when it can."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        return "running as root without setpriv (util-linux) to drop to nobody"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return "running as root and there is no 'nobody' user to drop to"
    if _python() is None:
        return f"nobody can run neither {sys.executable} nor {SYSTEM_PYTHON}"
    return None


def _runs_as_user(python: str) -> bool:
    """The user can start `python`, and it can start itself again (the loader child)."""
    again = "import subprocess, sys; subprocess.run([sys.executable, '-c', ''], check=True)"
    done = subprocess.run(
        [*drop_root(), python, "-c", again], capture_output=True, check=False, cwd="/"
    )
    return done.returncode == 0


def _python() -> str | None:
    for candidate in (sys.executable, str(SYSTEM_PYTHON)):
        if Path(candidate).exists() and _runs_as_user(candidate):
            return candidate
    return None


def kiosk_command() -> list[str]:
    python = _python()
    assert python is not None
    return [python, "-m", "kiosk"]


def package_path() -> str:
    """The venv's packages and this checkout, for an interpreter outside the venv."""
    import site

    return os.pathsep.join([str(REPO), *site.getsitepackages()])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Browser:
    """One member of staff: cookies kept between requests, forms posted same-origin."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, timeout: float = 60
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie in ("", '""') or "Max-Age=0" in value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = cookie
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, text

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
        return self.request("POST", path, form)

    def login_form(self, user: str = "alice", password: str = PASSWORD) -> dict[str, str]:
        _, _, page = self.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page)
        assert token is not None, page
        return {"user": user, "password": password, "login_token": token[1]}

    def login(self, user: str = "alice", password: str = PASSWORD) -> int:
        return self.post("/login", self.login_form(user, password))[0]

    def csrf(self, path: str = "/edit") -> str:
        status, _, page = self.get(path)
        assert status == 200, (status, page)
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        return found[1]


@dataclass
class ConsoleProcess:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    @property
    def home(self) -> Path:
        return self.root / "data" / "cvi-kiosk" / "decks"

    def browser(self) -> Browser:
        return Browser(self.port)

    def run_as_user(self, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_as_user(self.env, *argv, stdin=stdin)

    def memory_kib(self, field_name: str = "VmRSS") -> int:
        """The console's resident memory (`VmHWM` for its peak), from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field_name} for the console process")


def run_as_user(
    env: dict[str, str], *argv: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*drop_root(), *argv],
        cwd=env["HOME"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    return done


@contextmanager
def console_process(*, publish_first: bool = True) -> Iterator[ConsoleProcess]:
    """A console serving on a free port as the unprivileged user, after `kiosk publish`."""
    root = Path(tempfile.mkdtemp(prefix="console-as-user."))
    try:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "USER": "kiosk",
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_STATE_HOME": str(root / "state"),
            "XDG_CACHE_HOME": str(root / "cache"),
            "SDL_VIDEODRIVER": "dummy",
            "SDL_AUDIODRIVER": "dummy",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": package_path(),
        }
        if publish_first:
            done = run_as_user(
                env, *kiosk_command(), "publish", str(REPO / "slides"), "--who", "it"
            )
            assert done.returncode == 0, done.stderr
        done = run_as_user(
            env,
            *kiosk_command(),
            "console",
            "set-password",
            "--user",
            "alice",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert done.returncode == 0, done.stderr
        port = free_port()
        log = root / "console.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*drop_root(), *kiosk_command(), "console", "--listen", f"127.0.0.1:{port}"],
                env=env,
                cwd=root,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "the console did not start"
                    time.sleep(0.1)
            yield ConsoleProcess(root, port, process, env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)
