"""Shared fixtures: a small valid dataset to break on purpose, the real database, the real app."""
import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# The property tests draw the same examples on every run of `make test`, so a failure there is a change's to answer
# for, not a roll of the dice. `make fuzz` draws new ones, many rounds of them, to find what those examples miss.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
sys.path.insert(0, str(ROOT))

import app as site  # noqa: E402
import build  # noqa: E402

# A tiny dataset that is valid by construction. It is test data, not facts: its actors are
# "State A" and "Organisation A". Line numbers below matter to the error-corpus tests.
VALID = {
    "actors.csv": [
        ["id", "name", "name_be", "name_ru", "name_be_source_id", "name_ru_source_id", "no_cyrillic_name", "actor_type", "parent_id", "iso_code", "belarus_member",
         "latitude", "longitude", "website"],
        ["org-a", "Organisation A", "", "", "", "", "", "international_organisation", "", "", "yes", "46.2", "6.1", "https://example.org/"],
        ["org-a-body", "Body of Organisation A", "", "", "", "", "", "body_of_organisation", "org-a", "", "yes", "46.2", "6.1", ""],
        ["xa", "State A", "Дзяржава А", "Государство А", "s-two", "s-two", "", "state", "", "XA", "", "50.0", "10.0", ""],
    ],
    "sources.csv": [
        ["id", "url", "title", "publisher", "published_date", "source_kind", "language"],
        ["s-one", "https://example.org/one", "Source one", "Publisher One", "2021-01-02", "official", "en"],
        ["s-two", "https://example.org/two", "Source two", "Publisher Two", "2021-03", "news", "en"],
    ],
    "triggers.csv": [
        ["id", "name", "date", "date_precision", "description", "source_id"],
        ["t-one", "Event one", "2020-08-09", "day", "Something happened.", "s-one"],
    ],
    "responses.csv": [
        ["id", "date", "date_precision", "actor_id", "response_type", "title", "description", "binding",
         "legal_basis", "is_sanction", "grounds", "instrument", "targets_count", "amount", "currency",
         "status", "end_date", "trigger_id", "responds_to_id", "notes", "kind", "multilateral", "sanction_nature",
         "sanction_object", "scope", "sourcing", "act_source", "exception", "added_in", "changed_in"],
        ["r-one", "2020-10-02", "day", "xa", "individual_sanctions", "Title one", "Description one.", "non_binding",
         "discretionary", "yes", "country_regime", "Act 1", "40", "", "", "in_force", "", "t-one", "", "",
         "listing", "unilateral", "financial;travel", "rights", "targeted", "official", "cited", "", "0.1.0", "0.1.0"],
        ["r-three", "2022-03-01", "day", "org-a", "financial_support", "Title three", "Description, with a comma.",
         "non_binding", "discretionary", "no", "not_applicable", "", "", "1000", "EUR", "one_off", "", "", "r-one", "A note.",
         "financial-support", "", "", "", "", "official", "", "", "0.1.0", "0.1.0"],
        ["r-two", "2021-05", "month", "org-a-body", "resolution", "Title two", "Description two.", "non_binding",
         "discretionary", "no", "not_applicable", "", "", "", "", "one_off", "", "", "", "",
         "parliamentary-resolution", "", "", "", "", "single_nonofficial", "", "", "0.1.0", "0.1.0"],
    ],
    "targets.csv": [
        ["id", "name", "target_type", "name_be", "name_ru", "name_variants", "role", "date_of_birth", "ofac_ent_num", "name_be_source_id", "name_ru_source_id", "no_cyrillic_name", "notes", "role_category"],
        ["person-a", "Person A", "person", "Асоба А", "Лицо А", "Persona A | Person Ah", "Official", "1960-01-02", "1", "s-two", "s-one", "", "", "officials"],
    ],
    "target_matches.csv": [
        ["actor_id", "list_ref", "target_id", "decision", "evidence", "list_name", "date_of_birth",
         "registration_number", "name_cyrillic", "role_category"],
    ],
    "designations.csv": [
        ["id", "target_id", "actor_id", "listed_on", "listed_on_basis", "delisted_on", "program", "response_id", "source_id", "notes"],
        ["xa_person-a_1", "person-a", "xa", "2020-10-02", "official_act", "", "Act 1", "r-one", "s-one", ""],
    ],
    "response_sources.csv": [
        ["response_id", "source_id", "supports"],
        ["r-one", "s-one", "date; fact"],
        ["r-three", "s-one", "fact"],
        ["r-two", "s-two", "date"],
    ],
}
# The coding rules and the source policy are the real ones; the fixture's host example.org is an official domain.
for _name in ("kinds.csv", "refused_sources.csv", "official_domains.csv"):
    VALID[_name] = list(csv.reader(io.StringIO((ROOT / "data" / _name).read_text(encoding="utf-8"))))
VALID["official_domains.csv"].append(["example.org", "Example (test fixture)", "official", "yes"])
VALID["sources_awaiting_replacement.csv"] = [["source_id", "refused_by", "used_by"]]
VALID["distinct_pairs.csv"] = [["response_id", "other_id", "reason"]]


def write_csv(path: Path, rows) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture
def valid_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    for name, rows in VALID.items():
        write_csv(d / name, rows)
    shutil.copy(ROOT / "data" / "response_types.csv", d / "response_types.csv")
    return d


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The real dataset in data/, built by the real build into a fresh file."""
    out = tmp_path_factory.mktemp("db") / "belarus.db"
    build.build(ROOT / "data", out)
    return out


@pytest.fixture(scope="session")
def ds(built_db):
    return site.make_datasette(built_db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(built_db):
    """The real site (`datasette serve` with our settings) on a loopback port."""
    with serve(built_db) as base:
        yield base


from contextlib import contextmanager  # noqa: E402


@contextmanager
def serve(db):
    port = free_port()
    exe = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen([str(exe), "serve", *site.datasette_args(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode())
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("datasette did not start")
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (make test installs it as root)")
        pytest.skip(f"{CHROMIUM} is not installed (run `make browser` as root)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API runs its own event loop, which must not overlap
    the session loop that the async app tests share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
