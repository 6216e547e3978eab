"""Security and caching headers on every response, and a last line of defence against a bare 500.

Content-Security-Policy: everything comes from this site (the map tiles too, via datasette-tiles), so no
third-party origin is allowed anywhere. Scripts run only from files on this site or, inline, when their
SHA-256 is listed in INLINE_SCRIPTS: the few fixed scripts that Datasette's templates, datasette-leaflet and
datasette-cluster-map write into pages. An inline script injected any other way does not run.
tests/test_security.py crawls every kind of page and fails, printing the hash, when a page carries an inline
script not listed here (a plugin upgrade can change one). No 'unsafe-eval' anywhere but on the HTML pages of
tables and queries, where datasette-vega draws charts: it compiles chart specs with `new Function`, and the
landing page links to such charts. Styles keep 'unsafe-inline': Datasette writes per-table CSS and style attributes.

Cache-Control on every response that has none (Datasette sets it on its data views only): the database is
immutable, so pages, files, assets and tiles may be cached for `default_cache_ttl` seconds; a 5xx never is.
ETag on every complete 200 response up to ETAG_MAX_BYTES, with 304 for a matching If-None-Match. It is weak
(W/): a hash of the body without the time the queries took, which Datasette prints on pages and in JSON.

This wrapper is the outermost one (trylast), so the refusals of plugins/limits.py carry these headers too,
and an exception that escapes every handler still answers with them instead of uvicorn's bare 500.
"""
import hashlib
import re
import sys

from datasette import hookimpl

INLINE_SCRIPTS = {
    # Datasette base.html: closes open menus on a click outside them.
    "sha256-DMtesc2dB3xCZhCWIkDIjRY30AJia2dU9R83J/BG2Y4=",
    # Datasette: the filter rows of table pages.
    "sha256-r9VpUoQmfEDS2enI02h8lULmOWGNn4HGALEBhaEb/h4=",
    # datasette-cluster-map on a page with no map: its extra_body_script returns [] and Datasette prints it.
    "sha256-T1PNoYwrqgwDVLtfmj7L5e0Sq02OEbqHPC8RFhICuUU=",
    # datasette-leaflet: where Leaflet's files are.
    "sha256-krNHfT02OkEi/8I4XYKK1k/78mZyrBAIjHWppgijYSk=",
    # Datasette _codemirror_foot.html: the SQL editor on query pages.
    "sha256-uEjwHx6B6TylDkwnKXY5NeNNPyI38FvghD4BDhzZMRc=",
    # Datasette table.html: DATASETTE_ALLOW_FACET = true;
    "sha256-fyi5q99UcdjzV8X7vfr/UYD4dsV4ViDDhotcy8GQ6PM=",
    # datasette-cluster-map on actors and actor_summary: tile layer (ours) and the latitude/longitude columns.
    "sha256-WNJBY+XJKEwPS/M9XSSY+58bmUUy853lyq7LXJLjF0w=",
}

SCRIPT_SRC = "script-src 'self' " + " ".join(f"'{h}'" for h in sorted(INLINE_SCRIPTS))
CSP = "; ".join([
    "default-src 'self'",
    SCRIPT_SRC,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
CSP_CHARTS = CSP.replace(SCRIPT_SRC, SCRIPT_SRC + " 'unsafe-eval'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]
ETAG_MAX_BYTES = 1024 * 1024
TIMINGS = re.compile(rb'Queries took [0-9.]+ms|"query_ms": [0-9.eE+-]+')
DROP_ON_304 = {b"content-length", b"content-type", b"transfer-encoding"}


CHART_HEADERS = [(b"content-security-policy", CSP_CHARTS.encode())] + HEADERS[1:]


def draws_charts(scope) -> bool:
    """A table or query page (/db/table, /db/query, /db?sql=), where datasette-vega offers its charts."""
    parts = [p for p in scope.get("path", "").split("/") if p]
    if not parts or parts[0].startswith("-") or parts[0] in ("assets", "files"):
        return False
    if len(parts) == 2:
        return "." not in parts[1]
    return len(parts) == 1 and "." not in parts[0] and b"sql=" in scope.get("query_string", b"")


def _header(headers, name: bytes):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    ttl = datasette.setting("default_cache_ttl")

    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            ours = CHART_HEADERS if draws_charts(scope) else HEADERS
            request_headers = dict(scope.get("headers") or [])
            if_none_match = request_headers.get(b"if-none-match")
            may_tag = scope.get("method") == "GET"
            state = {"start": None, "buffer": [], "size": 0, "sent": False, "tagging": False}

            async def send_start(message):
                state["sent"] = True
                await send(message)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    names = {name for name, _ in HEADERS}
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                    status = message.get("status", 200)
                    if _header(headers, b"cache-control") is None:
                        headers.append((b"cache-control", f"max-age={ttl}".encode() if status < 500 else b"no-store"))
                    message = {**message, "headers": headers + ours}
                    if may_tag and status == 200 and _header(headers, b"etag") is None:
                        state["start"], state["tagging"] = message, True  # held until the body is known
                        return
                    return await send_start(message)
                if message["type"] == "http.response.body" and state["tagging"]:
                    body = message.get("body", b"")
                    state["buffer"].append(body)
                    state["size"] += len(body)
                    if message.get("more_body") and state["size"] <= ETAG_MAX_BYTES:
                        return
                    state["tagging"] = False
                    start, whole = state["start"], b"".join(state["buffer"])
                    if message.get("more_body"):  # too big to tag: send what we hold and stream on
                        await send_start(start)
                        return await send({**message, "body": whole})
                    etag = b'W/"' + hashlib.sha256(TIMINGS.sub(b"", whole)).hexdigest()[:32].encode() + b'"'
                    if if_none_match and etag[2:] in [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]:
                        headers = [(k, v) for k, v in start["headers"] if k.lower() not in DROP_ON_304]
                        await send_start({**start, "status": 304, "headers": headers + [(b"etag", etag)]})
                        return await send({"type": "http.response.body", "body": b""})
                    await send_start({**start, "headers": start["headers"] + [(b"etag", etag)]})
                    return await send({**message, "body": whole})
                await send(message)

            try:
                return await app(scope, receive, send_with_headers)
            except Exception as exception:  # noqa: BLE001 - the last line: never a bare 500 without our headers
                print(f"unhandled {type(exception).__name__} on {scope.get('path')!r}: {exception}", file=sys.stderr)
                if state["sent"]:
                    raise
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")] + HEADERS})
                await send({"type": "http.response.body", "body": b"Error 500: the server could not answer.\n"})
        return with_headers
    return wrap
