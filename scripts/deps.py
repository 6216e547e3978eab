"""Print the pinned dependencies from pyproject.toml, one per line (`dev` adds the dev extras).

The Makefile installs from this so that pyproject.toml is the one list of versions.
"""
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
deps = list(project["dependencies"])
for extra in sys.argv[1:]:
    deps += project["optional-dependencies"][extra]
print("\n".join(deps))
