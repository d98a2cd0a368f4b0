/* Traced numbers (evidence_review/tracing.py): the rows behind a glued number show on hover or
   keyboard focus. This script places the box beside the number inside the window (boxes such as
   admonitions would otherwise clip it), and lets Escape dismiss it (WCAG 1.4.13) until the
   pointer or focus leaves the number. Without the script the box still opens, below the number. */
(function () {
  "use strict";
  var shown = null;
  function place(traced) {
    // A trace used twice on a page is written once; bring it to the number being read.
    var box = document.getElementById(traced.getAttribute("aria-describedby"));
    if (!box) { return; }
    if (box.parentNode !== traced) { traced.appendChild(box); }
    var lines = traced.getClientRects();
    var anchor = lines.length ? lines[lines.length - 1] : traced.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    box.style.position = "fixed";
    box.style.left = "0px";
    box.style.top = "0px";
    var size = box.getBoundingClientRect();
    var left = Math.max(8, Math.min(anchor.left, width - size.width - 8));
    var top = anchor.bottom + 4;
    if (top + size.height > window.innerHeight - 8 && anchor.top - size.height - 4 > 8) { top = anchor.top - size.height - 4; }
    box.style.left = left + "px";
    box.style.top = top + "px";
  }
  function show(event) {
    var traced = event.target.closest && event.target.closest(".traced");
    if (!traced) { return; }
    traced.classList.remove("trace-dismissed");
    shown = traced;
    place(traced);
  }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  window.addEventListener("scroll", function () { if (shown) { place(shown); } }, {passive: true});
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".traced:hover, .traced:focus, .traced:focus-within").forEach(function (t) {
      t.classList.add("trace-dismissed");
    });
  });
})();
