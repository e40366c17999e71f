"""The real Causerie server for the browser tests: a temporary data directory, a free port, a
config whose webRoot is the repository's Resources (so the files under test are the repo's),
cheap password hashing, and the one-time admin password read from standard output."""

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Server:
    """Served over HTTPS with the office authority (docs/tls.md) on `host`: the tests trust its
    ca.crt (urllib here, the browsers' NSS store in run.py)."""

    def __init__(self, binary, web_root, server_name="Causerie test", keep=False, host="127.0.0.1", tls=True):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="causerie-browser-")
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "config.json")
        self.keep = keep
        with open(self.config, "w") as f:
            json.dump({"webRoot": os.path.abspath(web_root), "serverName": server_name, "scrypt": {"n": 1024}}, f)
        self.host = host
        self.tls = tls
        self.port = free_port(host)
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self.plain_url = f"http://{host}:{self.port}"
        self.ca = os.path.join(self.data, "tls", "ca.crt")
        self._ssl = None
        self.one_time_password = None
        self.process = None
        self.starts = 0

    def start(self, timeout=30):
        self.starts += 1
        log = open(os.path.join(self.dir, f"server-{self.starts}.log"), "w")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data", self.data, "--host", self.host, "--port", str(self.port),
             "--config", self.config, "--log-level", "warning", "--no-mdns"] + ([] if self.tls else ["--tls", "off"]),
            stdout=subprocess.PIPE, stderr=log, text=True)
        threading.Thread(target=self._read_stdout, args=(self.process.stdout,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {log.name}")
            try:
                self.api("GET", "server")
                if self.starts == 1 and self.one_time_password is None:
                    time.sleep(0.05)
                    continue
                return
            except (OSError, ApiError):
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def _read_stdout(self, stream):
        for line in stream:
            if "one-time password:" in line:
                self.one_time_password = line.split("one-time password:")[1].strip()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cleanup(self):
        self.stop()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def api(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/api/v1/{path}", data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if self._ssl is None and self.tls and os.path.exists(self.ca):
            # Only the office authority: a certificate it did not sign would fail here.
            self._ssl = ssl.create_default_context(cafile=self.ca)
        if self._ssl is None and self.tls:
            raise OSError("no office authority yet")
        try:
            with urllib.request.urlopen(request, timeout=15, context=self._ssl) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, error.read().decode()) from None
        return json.loads(text) if text else None

    def trust_in_browsers(self):
        """Chromium on Linux trusts the authorities of the NSS database in $HOME/.pki/nssdb: a
        fresh HOME whose database holds this server's ca.crt only, as a user who followed the
        trust page. Browsers started afterwards inherit it."""
        home = os.path.join(self.dir, "home")
        database = os.path.join(home, ".pki", "nssdb")
        os.makedirs(database, exist_ok=True)
        subprocess.run(["certutil", "-d", "sql:" + database, "-N", "--empty-password"], check=True)
        subprocess.run(["certutil", "-d", "sql:" + database, "-A", "-t", "C,,", "-n", "Causerie office CA",
                        "-i", self.ca], check=True)
        os.environ["HOME"] = home

    def trust(self):
        """The trust page's data, over plain HTTP as a device that trusts nothing reads it."""
        with urllib.request.urlopen(self.plain_url + "/trust.json", timeout=15) as response:
            return json.loads(response.read().decode())

    def login(self, username, password):
        return self.api("POST", "login", {"username": username, "password": password})
