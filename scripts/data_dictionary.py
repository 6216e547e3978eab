"""Write docs/DATA_DICTIONARY.md from datapackage.json (the one place the schema lives).

    python scripts/data_dictionary.py          # rewrite the file
    python scripts/data_dictionary.py --check  # exit 1 if the file is out of date (used by the tests)
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "DATA_DICTIONARY.md"


def render() -> str:
    pkg = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    out = ["# Data dictionary", "",
           f"_Generated from `datapackage.json` by `scripts/data_dictionary.py`; do not edit by hand._", "",
           pkg["description"], ""]
    for res in pkg["resources"]:
        schema = res["schema"]
        out += [f"## `{res['path']}` — {res['title']}", "", res["description"], "",
                f"Primary key: `{', '.join(schema['primaryKey'])}`.", ""]
        fks = schema.get("foreignKeys", [])
        if fks:
            out += ["Foreign keys: " + "; ".join(
                f"`{fk['fields'][0]}` → `{fk['reference']['resource']}.{fk['reference']['fields'][0]}`" for fk in fks) + ".", ""]
        out += ["| column | type | required | allowed values | description |", "|---|---|---|---|---|"]
        for f in schema["fields"]:
            c = f.get("constraints", {})
            allowed = ", ".join(f"`{v}`" for v in c["enum"]) if "enum" in c else (f"pattern `{c['pattern']}`" if "pattern" in c else "")
            if "minimum" in c or "maximum" in c:
                allowed = (allowed + " " if allowed else "") + f"{c.get('minimum', '')}…{c.get('maximum', '')}"
            kind = f.get("type", "string") + (f" ({f['format']})" if f.get("format") else "")
            desc = f["description"].replace("|", "\\|")
            out.append(f"| `{f['name']}` | {kind} | {'yes' if c.get('required') else ''} | {allowed.replace('|', '&#124;')} | {desc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(OUT)
