"""make publish deploys what make serve runs: every pinned runtime package, our settings, our files."""
import subprocess
import tomllib

from conftest import ROOT
import app as site


def test_publish_command_carries_pins_settings_and_files():
    out = subprocess.run(["make", "-n", "publish"], cwd=ROOT, capture_output=True, text=True).stdout
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        assert f"--install '{dep}'" in out, dep
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
