"""What the drills (scripts/drill-*.py) share: the environment, gunicorn, PostgreSQL, HTTP.

The drills run inside ``scripts/with-postgres.sh``: they refuse any other database,
because they stop it, fill it with test writes and drop databases in it. Those that need
a shared cache run inside ``scripts/with-redis.sh`` too, and refuse any other Redis.
Servers listen on 127.0.0.1 only; every wait is bounded in time.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
DEMO_SLUG = "us-ukraine-minerals-deal"
# What the TLS-terminating proxy in front of Parley sends with every request.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class DrillFailed(Exception):
    """The drill's claim does not hold; the message says which, in a sentence."""


def fail(message):
    raise DrillFailed(message)


def run_main(main):
    """Run a drill's main(); a failed claim exits 1 with its sentence."""
    try:
        main()
    except DrillFailed as error:
        print(f"\nFAILED: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)


def say(message=""):
    print(message, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- #
# The throwaway PostgreSQL of scripts/with-postgres.sh
# --------------------------------------------------------------------------- #


class Postgres:
    """The cluster scripts/with-postgres.sh started, and the means to stop and start it."""

    def __init__(self):
        url = os.environ.get("DATABASE_URL", "")
        self.data = os.environ.get("PARLEY_PG_DATA")
        self.bindir = os.environ.get("PARLEY_PG_BINDIR")
        if not (url.startswith("postgres") and self.data and self.bindir):
            fail(
                "This drill runs against a throwaway PostgreSQL only: "
                "run it as scripts/with-postgres.sh .venv/bin/python scripts/<drill>.py."
            )
        self.url = url.split("?", 1)[0]
        self.base_url, self.dbname = self.url.rsplit("/", 1)
        self.port = self.base_url.rsplit(":", 1)[1]
        self.log = os.environ.get("PARLEY_PG_LOG")
        self.start_options = os.environ.get("PARLEY_PG_START_OPTIONS")
        owner = os.environ.get("PARLEY_PG_OWNER")
        self.as_owner = ["runuser", "-u", owner, "--"] if owner else []

    def tool(self, name):
        return str(Path(self.bindir) / name)

    def url_of(self, dbname, **options):
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"{self.base_url}/{dbname}" + (f"?{query}" if query else "")

    def pg_ctl(self, *args, timeout=60):
        command = [*self.as_owner, self.tool("pg_ctl"), "-D", self.data, *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            fail(f"pg_ctl {args[-1]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def stop(self, mode="fast"):
        self.pg_ctl("-m", mode, "-w", "stop")

    def start(self):
        if not (self.log and self.start_options):
            fail("scripts/with-postgres.sh did not export PARLEY_PG_LOG/PARLEY_PG_START_OPTIONS.")
        self.pg_ctl("-l", self.log, "-w", "-o", self.start_options, "start")

    def client(self, name, *args, timeout=120, check=True):
        """Run a PostgreSQL client tool (psql, pg_dump, …) against this cluster."""
        command = [self.tool(name), "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode:
            fail(f"{name} failed: {result.stderr.strip()}")
        return result

    def psql(self, dbname, sql):
        """Rows of a query, tab-separated lines."""
        return self.client(
            "psql", "-d", dbname, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql
        ).stdout


# --------------------------------------------------------------------------- #
# The throwaway Redis of scripts/with-redis.sh
# --------------------------------------------------------------------------- #


class Redis:
    """The Redis scripts/with-redis.sh started, and the means to stop and start it."""

    def __init__(self):
        self.url = os.environ.get("REDIS_URL", "")
        self.port = os.environ.get("PARLEY_REDIS_PORT")
        self.conf = os.environ.get("PARLEY_REDIS_CONF")
        if not (self.url.startswith("redis://127.0.0.1:") and self.port and self.conf):
            fail(
                "This drill runs against a throwaway Redis only: run it inside "
                "scripts/with-redis.sh (nested in scripts/with-postgres.sh)."
            )

    def cli(self, *args, check=True):
        result = subprocess.run(
            ["redis-cli", "-p", self.port, *args], capture_output=True, text=True, timeout=10
        )
        if check and (result.returncode or result.stdout.startswith("ERR")):
            fail(f"redis-cli {' '.join(args)} failed: {result.stderr.strip() or result.stdout}")
        return result.stdout.strip()

    def keys(self):
        """How many keys it holds (DBSIZE)."""
        return int(self.cli("dbsize"))

    def write_calls(self):
        """How many SETs and MSETs (Django's ``set_many``) it has run since it started
        (INFO commandstats)."""
        calls = 0
        for line in self.cli("info", "commandstats").splitlines():
            if line.startswith(("cmdstat_set:", "cmdstat_mset:")):
                calls += int(line.split("calls=", 1)[1].split(",", 1)[0])
        return calls

    def answers(self):
        return self.cli("ping", check=False) == "PONG"

    def stop(self):
        self.cli("shutdown", "nosave", check=False)
        deadline = time.monotonic() + 10
        while self.answers():
            if time.monotonic() > deadline:
                fail("Redis did not stop within 10 s.")
            time.sleep(0.1)

    def start(self):
        result = subprocess.run(
            ["redis-server", self.conf], capture_output=True, text=True, timeout=10
        )
        if result.returncode:
            fail(f"redis-server did not start: {result.stderr.strip() or result.stdout}")
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                fail("Redis did not answer within 10 s of its start.")
            time.sleep(0.1)


# --------------------------------------------------------------------------- #
# Django: the production settings, manage.py, small ORM checks
# --------------------------------------------------------------------------- #


def production_env(database_url, **extra):
    """tracker.settings.production as an operator would configure it, on loopback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings.production",
        "SECRET_KEY": "parley-drill-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, timeout=180):
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        fail(f"manage.py {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def django_json(env, code, timeout=180):
    """Run Python with Django set up (``result`` is printed as JSON) and return the result."""
    program = (
        "import django, json\ndjango.setup()\nresult = None\n"
        + code
        + "\nprint('@@RESULT@@' + json.dumps(result, default=str))\n"
    )
    completed = subprocess.run(
        [PYTHON, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode:
        fail(f"A Django check script failed: {completed.stderr.strip()[-2000:]}")
    for line in completed.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line.removeprefix("@@RESULT@@"))
    fail("A Django check script printed no result.")


def prepare_database(env):
    """Migrate, load the demo, collect static files (hashed names, as production serves them)."""
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def make_users(env, **roles):
    """Staff users in the given groups (name="Journalists"), each with an API token."""
    code = f"""
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
result = {{}}
for name, group in {roles!r}.items():
    user, _ = User.objects.get_or_create(username=name, defaults={{"is_staff": True}})
    user.groups.add(Group.objects.get(name=group))
    result[name] = Token.objects.get_or_create(user=user)[0].key
"""
    return django_json(env, code)


# --------------------------------------------------------------------------- #
# gunicorn
# --------------------------------------------------------------------------- #


class Gunicorn:
    """gunicorn serving tracker.wsgi on a free loopback port; stopped by its own pid."""

    def __init__(self, env, *, workers=2, threads=1, log_path, timeout=30):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log_path = Path(log_path)
        self.timeout = timeout
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                str(self.timeout),
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_until_up()
        return self

    def wait_until_up(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"gunicorn exited at start: {self.log_tail()}")
            try:
                answer = requests.get(f"{self.base}/healthz", timeout=2)
                if answer.status_code == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        fail(f"gunicorn did not answer /healthz within {timeout} s: {self.log_tail()}")

    def worker_pids(self):
        """The pids of the master's children (the workers), from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def log_tail(self, lines=40):
        self.log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()
        return False


# --------------------------------------------------------------------------- #
# HTTP
# --------------------------------------------------------------------------- #


class Worker:
    """``manage.py run_worker`` in its own session, polling every ``interval`` seconds;
    stopped (or killed, as a crash would) by its own pid."""

    def __init__(self, env, log_path, *, interval=0.5):
        self.env, self.log_path, self.interval = env, Path(log_path), interval
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "run_worker", "--interval", str(self.interval)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        say(f"task worker started (pid {self.process.pid})")

    def stop(self, *, kill=False):
        if self.process is None:
            return
        if self.process.poll() is None:
            if kill:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        say(f"task worker {'killed' if kill else 'stopped'} (pid {self.process.pid})")
        self.process = None
        self.log.close()

    def check_running(self):
        if self.process is None or self.process.poll() is not None:
            fail(f"The task worker exited: {self.log_path.read_text(errors='replace')[-2000:]}")


def session(token=None):
    s = requests.Session()
    s.headers.update(PROXY_HEADERS)
    if token:
        s.headers["Authorization"] = f"Token {token}"
    return s


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
