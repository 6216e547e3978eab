"""make publish deploys what make serve runs: every pinned runtime package, our settings, our files.
make install installs exactly the locked packages, with hashes; make serve runs without the dev packages."""
import re
import subprocess
import tomllib

from conftest import ROOT
import app as site


def test_publish_command_carries_pins_settings_and_files():
    out = subprocess.run(["make", "-n", "publish"], cwd=ROOT, capture_output=True, text=True).stdout
    for name, version in locked("requirements.lock").items():
        assert f"--install '{name}=={version}'" in out, name
    for key, value in site.SETTINGS.items():
        assert f"--setting {key} " in out, key
    for part in ["publish cloudrun belarus.db", "--metadata metadata.yml", "--plugins-dir plugins",
                 "--template-dir templates", "--static assets:static", "--static files:downloads"]:
        assert part in out, part


def test_built_database_is_self_contained(built_db):
    import json
    import sqlite3
    db = sqlite3.connect(built_db)
    info = dict(db.execute("select key, value from dataset_info"))
    assert json.loads(info["datapackage"]) == json.loads((ROOT / "datapackage.json").read_text())
    assert info["methodology"] == (ROOT / "docs" / "METHODOLOGY.md").read_text()


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text, re.M))
    hashed = re.findall(r"^[A-Za-z0-9][^\n]*\\\n\s+--hash=sha256:[0-9a-f]{64}", text, re.M)
    assert len(hashed) >= len(pins), f"{lock}: every pin must carry a hash"
    return {normalize(k): v for k, v in pins.items()}


def test_lock_files_pin_every_dependency_at_the_version_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    for dep in project["dependencies"]:
        name, version = dep.split("==")
        assert runtime.get(normalize(name)) == version, f"{dep}: run `make lock`"
    for dep in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, version = dep.split("==")
        assert dev.get(normalize(name)) == version, f"{dep}: run `make lock`"
    # The served packages are the tested ones: every runtime pin is the same in the dev lock.
    assert {k: dev.get(k) for k in runtime} == runtime
    for name in ("pytest", "rich", "playwright", "hypothesis"):
        assert normalize(name) not in runtime, name


def test_make_install_installs_the_locks_with_hashes_into_separate_environments():
    out = subprocess.run(["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True).stdout
    assert ".venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock" in out
    assert ".venv-dev/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock" in out
    serve = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True).stdout
    assert ".venv/bin/python app.py serve" in serve


def test_served_environment_has_no_dev_packages():
    python = ROOT / ".venv" / "bin" / "python"
    assert python.exists(), "make install creates .venv"
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True).stdout
    installed = {normalize(line.split("==")[0]) for line in out.splitlines() if "==" in line}
    assert not installed & {"rich", "pytest", "playwright", "hypothesis", "frictionless"}, installed
    assert installed - {"pip", "setuptools"} <= set(locked("requirements.lock")), installed - set(locked("requirements.lock"))
