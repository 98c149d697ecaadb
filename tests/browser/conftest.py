"""Fixtures for the browser suite: a demo database made once, a fresh copy per test, a
`rapport serve` on it with the clock fixed, and a headless Chromium page."""

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

BIN = os.environ.get("RAPPORT_BIN", "rapport")
CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("RAPPORT_SCREENSHOTS", "browser-screenshots"))

NOW = "2026-11-25T09:00:00Z"
EMAIL = "demo@rapport.test"
PASSWORD = "rapport-demo"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Server:
    """A `rapport serve` child process on a port the system picks."""

    def __init__(self, db: Path, now: str):
        self.process = subprocess.Popen(
            [BIN, "--db", str(db), "--now", now, "--tz", "UTC", "serve", "--bind", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")},
        )
        first = self.process.stdout.readline().strip()
        assert first.startswith("listening on "), f"unexpected first line: {first!r}"
        self.base = first.removeprefix("listening on ")
        wait_healthy(self.base)

    def stop(self):
        """Stops the server (SIGTERM, graceful); stopping a stopped server does nothing."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


def wait_healthy(base: str):
    """Until /healthz answers: the server then also listens for SIGTERM."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, "the server never became healthy"
        time.sleep(0.05)


def start_demo(db: Path):
    """`rapport demo` fills the database and makes its owner the demo login; stopped once it
    serves."""
    process = subprocess.Popen(
        [BIN, "--db", str(db), "--now", NOW, "--tz", "UTC", "demo", "--contacts", "60",
         "--bind", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")},
    )
    for line in process.stdout:
        if line.startswith("listening on "):
            base = line.strip().removeprefix("listening on ")
            break
    else:
        raise AssertionError("rapport demo never started serving")
    wait_healthy(base)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert process.returncode == 0


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.db"
    start_demo(db)
    return db


@pytest.fixture
def db(demo_db, tmp_path) -> Path:
    """A fresh copy of the demo database for one test."""
    copy = tmp_path / "rapport.db"
    for suffix in ["", "-wal", "-shm"]:
        source = Path(str(demo_db) + suffix)
        if source.exists():
            shutil.copy(source, str(copy) + suffix)
    return copy


@pytest.fixture
def server(db):
    running = Server(db, NOW)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base: str):
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def screenshot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
