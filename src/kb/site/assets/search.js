// kb: start Pagefind's search interface, and run the query from ?q= when there is one.
(function () {
  "use strict";
  var target = document.getElementById("kb-search");
  if (!target || typeof PagefindUI === "undefined") { return; }
  var form = document.querySelector(".kb-search-form");
  if (form) { form.hidden = true; }
  // Result addresses are relative to the site's root, which is one folder up from
  // this page; a site published under a sub-path (/org/kb/) must say so.
  var root = new URL("../", window.location.href).pathname;
  var ui = new PagefindUI({
    element: "#kb-search",
    baseUrl: root,
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    pageSize: 5,
    excerptLength: 24
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
})();
