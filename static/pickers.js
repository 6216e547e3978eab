/* Pickers for the prepared questions: each parameter box gets a readable label and a list of names to pick
   from (a <datalist>: type a few letters, or open the list). The query resolves what is typed — a name in any
   script, a code, part of a name — so the list is a help, never a requirement. No inline script: served from
   /assets/ so the Content-Security-Policy can forbid inline code. */
(function () {
  "use strict";
  var DB = "/belarus";
  var actors = DB + "/actors.json?_shape=array&_col=name&_size=max&_sort=name";
  var PARAMS = {
    trigger: {label: "Event", list: DB + "/triggers.json?_shape=array&_col=name&_size=max&_sort=date",
              placeholder: "e.g. Ryanair, election 2020, migrants"},
    actor: {label: "Actor", list: actors, placeholder: "e.g. Lithuania, Літва, lt, Treasury"},
    listed_by: {label: "Listed by", list: actors, placeholder: "e.g. Council of the EU, us-treasury"},
    not_listed_by: {label: "Not listed by", list: actors, placeholder: "e.g. United Kingdom, gb"},
    name: {label: "Person, company or aircraft", list: DB + "/targets.json?_shape=array&_col=name&_size=max&_sort=name",
           placeholder: "any spelling or script: Lukashenka, Лукашенко"},
    q: {label: "Search for", placeholder: "e.g. Belaruskali OR potash, Lukash*, \"Moscow Mechanism\""},
    from: {label: "From (date, month or year)", placeholder: "e.g. 2020-08-01, 2020-08, 2020"},
    to: {label: "To (date, month or year)", placeholder: "e.g. 2020-08-31, 2020-08, 2021"},
    type: {label: "Type of response", list: DB + "/response_types.json?_shape=array&_col=label&_size=max",
           placeholder: "e.g. statement, individual_sanctions"}
  };
  var cache = {};

  function fill(datalist, url) {
    (cache[url] = cache[url] || fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : [];
    })).then(function (rows) {
      rows.forEach(function (row) {
        var opt = document.createElement("option");
        opt.value = row.name || row.label || row.id;
        if (row.id && row.id !== opt.value) { opt.label = row.id; }
        datalist.appendChild(opt);
      });
    }).catch(function () { /* the box still takes typed input */ });
  }

  function enhance() {
    var form = document.querySelector("form.sql");
    if (!form) { return; }
    Object.keys(PARAMS).forEach(function (name) {
      var input = form.querySelector("input[name='" + name + "']");
      if (!input) { return; }
      var spec = PARAMS[name];
      var label = input.id && form.querySelector("label[for='" + input.id + "']");
      if (label) { label.textContent = spec.label; }
      if (spec.placeholder) { input.placeholder = spec.placeholder; }
      if (spec.type) { input.type = spec.type; }
      input.classList.add("picker");
      if (spec.list) {
        var dl = document.createElement("datalist");
        dl.id = "picker-" + name;
        input.setAttribute("list", dl.id);
        input.setAttribute("autocomplete", "off");
        input.parentNode.appendChild(dl);
        fill(dl, spec.list);
      }
    });
    // "Custom SQL query returning 17 rows (show)" reads as jargon on a prepared question: say "17 rows (show the SQL)".
    var heading = form.querySelector("h3");
    if (heading && document.body.className.indexOf("query-") !== -1 && heading.firstChild && heading.firstChild.nodeType === 3) {
      var m = /returning (more than )?([\d,]+) rows?/.exec(heading.firstChild.textContent);
      heading.firstChild.textContent = m ? (m[1] || "") + m[2] + (m[2] === "1" ? " row " : " rows ") : "Answer ";
      var toggle = heading.querySelector(".show-hide-sql a");
      if (toggle) { toggle.textContent = toggle.textContent + " the SQL"; }
    }
    var submit = form.querySelector("input[type=submit]");
    if (submit && document.body.className.indexOf("query-") !== -1) { submit.value = "Show the answer"; }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
