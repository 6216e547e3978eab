"""Variables for our templates: dataset facts for the landing page, sources for row pages.

Every query here uses :named parameters; nothing from the request is put into SQL text.
"""
from datasette import hookimpl
from datasette.database import QueryInterrupted

DATABASE = "belarus"


async def landing(datasette):
    db = datasette.get_database(DATABASE)
    info = {r["key"]: r["value"] for r in (await db.execute("select key, value from dataset_info")).rows}
    counts = (await db.execute("""
        select (select count(*) from responses) as responses,
               (select count(distinct actor_id) from responses) as acting_actors,
               (select count(*) from sources) as sources,
               (select min(date) from responses) as first_date,
               (select max(date) from responses) as latest_date,
               (select count(*) from targets) as targets""")).first()
    types = (await db.execute("""
        select t.id, t.label, t.description, count(r.id) as n
        from response_types t left join responses r on r.response_type = t.id
        group by t.id order by n desc, t.label""")).rows
    queries = await datasette.get_canned_queries(DATABASE, None)
    return {"info": info, "counts": dict(counts), "response_types": [dict(r) for r in types],
            "queries": [{"name": name, "title": q.get("title") or name} for name, q in queries.items()
                        if not q.get("chart")],
            "charts": [{"name": name, "title": q["title"].removeprefix("Chart: ")[:1].upper() + q["title"].removeprefix("Chart: ")[1:]}
                       for name, q in queries.items() if q.get("chart")]}


async def response_sources(datasette, response_id):
    db = datasette.get_database(DATABASE)
    rows = (await db.execute("""
        select s.id, s.url, s.title, s.publisher, s.published_date, s.source_kind, rs.supports
        from response_sources rs join sources s on s.id = rs.source_id
        where rs.response_id = :id order by s.source_kind = 'official' desc, s.published_date""",
        {"id": response_id})).rows
    return [dict(r) for r in rows]


async def response_card(datasette, response_id):
    db = datasette.get_database(DATABASE)
    # Base tables looked up by primary key (the responses_detailed view is not narrowed by id on large tables).
    row = (await db.execute("""
        select r.*, substr(r.date, 1, 4) as year, a.name as actor_name, a.actor_type,
               t.label as response_type_label, tr.name as trigger_name, tr.date as trigger_date,
               p.id as parent_id, p.name as parent_name, answered.title as responds_to_title
        from responses r
        join actors a on a.id = r.actor_id
        left join actors p on p.id = a.parent_id
        join response_types t on t.id = r.response_type
        left join triggers tr on tr.id = r.trigger_id
        left join responses answered on answered.id = r.responds_to_id
        where r.id = :id""", {"id": response_id})).first()
    if row is None:
        return None
    # Served by the partial index on (responds_to_id, date, id): no scan, already in order.
    answered_by = [dict(r) for r in (await db.execute(
        "select id, date, title from responses where responds_to_id = :id order by date, id", {"id": response_id})).rows]
    # Who a listing round listed, as the jurisdiction's own list records them (designations.response_id: indexed).
    listed = [dict(r) for r in (await db.execute("""
        select d.target_id, t.name, t.target_type, t.role, d.listed_on, d.listed_on_basis, d.delisted_on
        from designations d join targets t on t.id = d.target_id
        where d.response_id = :id order by t.target_type, t.name limit :cap""",
        {"id": response_id, "cap": LISTED_SHOWN + 1})).rows]
    listed_count = len(listed) if len(listed) <= LISTED_SHOWN else (await db.execute(
        "select count(*) from designations where response_id = :id", {"id": response_id})).first()[0]
    return {**dict(row), "answered_by": answered_by, "listed": listed[:LISTED_SHOWN], "listed_count": listed_count}


LISTED_SHOWN = 200  # a round's listings shown on its page; the rest are a click away (designations?response_id=)


async def name_sources(db, row) -> list[dict]:
    """Where each Cyrillic name of an actor or target comes from: one entry per source, naming the languages."""
    out = []
    for lang, label in (("be", "Belarusian"), ("ru", "Russian")):
        sid = row[f"name_{lang}_source_id"]
        if not sid:
            continue
        if out and out[-1]["id"] == sid:
            out[-1]["languages"].append(label)
            continue
        s = (await db.execute("select id, publisher, title, url from sources where id = :id", {"id": sid})).first()
        if s is not None:
            out.append({**dict(s), "languages": [label]})
    return out


async def target_card(datasette, target_id):
    db = datasette.get_database(DATABASE)
    target = (await db.execute("select * from targets where id = :id", {"id": target_id})).first()
    if target is None:
        return None
    listings = (await db.execute("""
        select d.actor_id, a.name as jurisdiction, d.listed_on, d.listed_on_basis, d.delisted_on, d.program,
               d.response_id, r.title as response_title, d.notes, s.id as source_id, s.url as source_url,
               s.title as source_title, s.publisher as source_publisher
        from designations d join actors a on a.id = d.actor_id
        left join responses r on r.id = d.response_id
        join sources s on s.id = d.source_id
        where d.target_id = :id
        order by d.listed_on is null, d.listed_on, a.name""", {"id": target_id})).rows
    return {**dict(target), "listings": [dict(r) for r in listings], "name_sources": await name_sources(db, target)}


async def actor_card(datasette, actor_id):
    db = datasette.get_database(DATABASE)
    actor = (await db.execute("""select a.*, p.name as parent_name from actors a left join actors p on p.id = a.parent_id
                                 where a.id = :id""", {"id": actor_id})).first()
    if actor is None:
        return None
    responses = (await db.execute("""
        select r.id, r.date, r.title, t.label as type_label from responses r
        join actors a on a.id = r.actor_id join response_types t on t.id = r.response_type
        where r.actor_id = :id or a.parent_id = :id order by r.date desc, r.id""", {"id": actor_id})).rows
    bodies = (await db.execute("select id, name from actors where parent_id = :id order by name", {"id": actor_id})).rows
    return {**dict(actor), "responses": [dict(r) for r in responses], "bodies": [dict(b) for b in bodies],
            "name_sources": await name_sources(db, actor)}


async def lag_left_out(datasette):
    """Per jurisdiction: listings the lag comparison cannot count to the day, and why."""
    rows = (await datasette.get_database(DATABASE).execute("""
        select a.name as jurisdiction, d.actor_id, count(*) as listings,
               sum(d.listed_on is null) as undated, sum(length(d.listed_on) = 7) as month_only
        from designations d join actors a on a.id = d.actor_id
        group by d.actor_id having undated > 0 or month_only > 0
        order by undated + month_only desc, a.name""")).rows
    return [dict(r) for r in rows]


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        try:
            return await collect()
        except QueryInterrupted:
            # A side query hit the time limit: render the page without the extras rather than fail it.
            return {}

    async def collect():
        out = {"max_csv_mb": datasette.setting("max_csv_mb")}
        if view_name == "index":
            out["belarus"] = await landing(datasette)
        if view_name == "row" and database == DATABASE and table == "responses":
            pk = request.url_vars.get("pks", "")
            from datasette.utils import tilde_decode
            out["row_sources"] = await response_sources(datasette, tilde_decode(pk))
            out["response"] = await response_card(datasette, tilde_decode(pk))
        if view_name == "row" and database == DATABASE and table == "targets":
            from datasette.utils import tilde_decode
            out["target"] = await target_card(datasette, tilde_decode(request.url_vars.get("pks", "")))
        if view_name == "row" and database == DATABASE and table == "actors":
            from datasette.utils import tilde_decode
            out["actor"] = await actor_card(datasette, tilde_decode(request.url_vars.get("pks", "")))
        if database == DATABASE and request is not None and request.path.rstrip("/").endswith("/alignment_lag"):
            out["lag_left_out"] = await lag_left_out(datasette)
        if database == DATABASE or view_name == "index":
            info = (await datasette.get_database(DATABASE).execute(
                "select key, value from dataset_info")).rows
            out["dataset_info"] = {r["key"]: r["value"] for r in info}
        return out
    return inner
