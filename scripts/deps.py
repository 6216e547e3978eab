"""Print the dependencies, one per line.

    python scripts/deps.py            # the direct runtime dependencies pinned in pyproject.toml
    python scripts/deps.py dev        # ... and the dev extras
    python scripts/deps.py --locked   # every runtime package at its locked version (requirements.lock)

`make install` installs from the lock files with hashes (`make lock` writes them from pyproject.toml);
`make publish` passes the --locked list to `datasette publish cloudrun`, which installs by name and version.
"""
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if sys.argv[1:] == ["--locked"]:
    text = (ROOT / "requirements.lock").read_text()
    # "name==version ; marker \" starts each requirement; continuation lines carry the hashes.
    print("\n".join(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+)", text, re.M)))
    sys.exit(0)

project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
deps = list(project["dependencies"])
for extra in sys.argv[1:]:
    deps += project["optional-dependencies"][extra]
print("\n".join(deps))
