"""Atom feeds titled in words: "Belarus responses: Lithuania", not the SQL behind the feed.

datasette-atom titles a feed with the canned query's title only when the query is in metadata; ours are served by
the canned_queries hook (plugins/canned_queries.py), so it would fall back to the SQL text. This wrapper gives each
/belarus/feed_*.atom request a `_feed_title` (datasette-atom's own parameter) in words, naming the actor or the
type the feed follows, looked up with :named parameters. A `_feed_title` given in the address is left alone.
"""
import re
from urllib.parse import parse_qs, urlencode

from datasette import hookimpl

FEED = re.compile(r"^/belarus/(feed_\w+)\.atom$")
BASE = "Belarus responses"


async def feed_title(datasette, query: str, args: dict) -> str:
    db = datasette.get_database("belarus")
    if query == "feed_actor" and args.get("actor", "").strip():
        row = (await db.execute("""select name from actors where id = lower(trim(:a)) or iso_code = upper(trim(:a))
                                   or fold(name) = fold(:a) or fold(name_be) = fold(:a) or fold(name_ru) = fold(:a)
                                   order by id = lower(trim(:a)) desc limit 1""", {"a": args["actor"]})).first()
        return f"{BASE}: {row['name'] if row else args['actor'].strip()}"
    if query == "feed_type" and args.get("type", "").strip():
        row = (await db.execute("""select label from response_types where id = trim(:t) or fold(label) = fold(:t) limit 1""",
                                {"t": args["type"]})).first()
        return f"{BASE}: {row['label'] if row else args['type'].strip()}"
    queries = await datasette.get_canned_queries("belarus", None)
    return (queries.get(query) or {}).get("title") or BASE


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def titled(scope, receive, send):
            if scope["type"] == "http":
                m = FEED.match(scope.get("path", ""))
                qs = scope.get("query_string", b"").decode("latin-1")
                if m and "_feed_title=" not in qs:
                    args = {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=True).items()}
                    title = await feed_title(datasette, m.group(1), args)
                    extra = urlencode({"_feed_title": title})
                    scope = {**scope, "query_string": ((qs + "&" if qs else "") + extra).encode("latin-1")}
            return await app(scope, receive, send)
        return titled
    return wrap
