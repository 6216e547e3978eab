"""The benchmark's own instruments measure what they claim: the raw keep-alive load client against the real site."""
import asyncio
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from load import datasette_server, run_load, run_load_raw  # noqa: E402


def test_raw_load_client_counts_the_same_answers_as_httpx(built_db):
    paths = ["/belarus/responses.json?_size=5", "/belarus/actors/lt", "/belarus/no-such-table"]
    with datasette_server(built_db, port=8799) as base:
        # One client walks the paths in turn: exactly 20 of each, as the reference (httpx) client sees them.
        raw = asyncio.run(run_load_raw(base, paths, concurrency=1, seconds=60, max_requests=60))
        ref = asyncio.run(run_load(base, paths, concurrency=1, seconds=60, max_requests=60))
        # Several clients on kept-alive connections: every request answered, none dropped.
        many = asyncio.run(run_load_raw(base, paths, concurrency=8, seconds=60, max_requests=200))
    assert raw.statuses == ref.statuses == {200: 40, 404: 20} and raw.dropped == 0
    assert many.requests == 200 and many.dropped == 0 and set(many.statuses) == {200, 404}
    assert all(latency > 0 for latency in raw.latencies + many.latencies)
