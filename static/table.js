/* Result tables that fit the screen: a long text cell shows three lines and a "more" button to read the rest; CSV
   links download a file (named after the table or question) instead of opening raw text in the tab. Served from
   /assets/ (no inline script). */
(function () {
  "use strict";
  var LONG = ["description", "notes", "snippet", "title", "grounds", "instrument", "answered_title",
              "response_title", "role", "name_variants", "atom_content_html"];

  function clampCells() {
    LONG.forEach(function (col) {
      document.querySelectorAll("table.rows-and-columns td.col-" + col).forEach(function (td) {
        if (td.textContent.length < 160 || td.classList.contains("clamp")) { return; }
        var span = document.createElement("div");
        span.className = "cell-text";
        while (td.firstChild) { span.appendChild(td.firstChild); }
        td.appendChild(span);
        td.classList.add("clamp");
        var more = document.createElement("button");
        more.type = "button";
        more.className = "more";
        more.textContent = "more";
        more.setAttribute("aria-expanded", "false");
        more.addEventListener("click", function () {
          var open = td.classList.toggle("expanded");
          more.textContent = open ? "less" : "more";
          more.setAttribute("aria-expanded", open ? "true" : "false");
        });
        td.appendChild(more);
      });
    });
  }

  function downloadCsv() {
    document.querySelectorAll(".export-links a[href*='.csv']").forEach(function (a) {
      var href = a.getAttribute("href");
      if (!/[?&]_dl=/.test(href)) {
        a.setAttribute("href", href + (href.indexOf("?") === -1 ? "?" : "&") + "_dl=1");
      }
      a.setAttribute("download", "");
    });
  }

  // A facet value that lists several values ("aviation;economic_trade") reads as a list and wraps between its items.
  function spaceLists() {
    document.querySelectorAll(".facet-info li a").forEach(function (a) {
      a.childNodes.forEach(function (node) {
        if (node.nodeType === 3 && /;\S/.test(node.textContent)) {
          node.textContent = node.textContent.replace(/;(?=\S)/g, "; ");
        }
      });
    });
  }

  function start() { clampCells(); downloadCsv(); spaceLists(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
