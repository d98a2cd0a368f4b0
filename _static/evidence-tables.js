/* Evidence tables: search, drop-down filters and sortable columns for the tables that ask for
   them (markup from evidence_review/table_view.py), and every folded text opened for printing.
   No library: a few lines do what these tables need, and the page stays light. */
(function () {
  "use strict";
  function setUp(box) {
    var table = box.querySelector("table.evidence-table");
    if (!table || !table.tBodies.length) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var search = box.querySelector(".table-search");
    var filters = Array.prototype.slice.call(box.querySelectorAll(".table-filter"));
    var count = box.querySelector(".table-count");
    function apply() {
      var query = search ? search.value.trim().toLowerCase() : "";
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !query || row.textContent.toLowerCase().indexOf(query) >= 0;
        filters.forEach(function (f) {
          if (f.value && row.getAttribute("data-filter-" + f.getAttribute("data-filter")) !== f.value) { ok = false; }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length + " " + count.getAttribute("data-noun") + " shown"; }
    }
    if (search || filters.length) {
      box.addEventListener("input", apply);
      box.addEventListener("change", apply);
      apply();
    }
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, column) {
      var button = th.querySelector(".sort-button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { if (h.hasAttribute("aria-sort")) { h.setAttribute("aria-sort", "none"); } });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        function key(row) {
          var cell = row.cells[column];
          var n = cell.getAttribute("data-sort-value");
          return n !== null ? parseFloat(n) : cell.textContent.trim().toLowerCase();
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var empty = (x === "") - (y === "");
          if (empty) { return empty; }  // empty cells last, either way
          var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, {numeric: true});
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      });
    });
  }
  function openAllForPrint() {
    document.querySelectorAll("table.evidence-table details").forEach(function (d) { d.open = true; });
  }
  window.addEventListener("beforeprint", openAllForPrint);
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) { printing.addEventListener("change", function (e) { if (e.matches) { openAllForPrint(); } }); }
  }
  function init() { document.querySelectorAll(".evidence-table-box").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
