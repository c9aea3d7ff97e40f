// kb: the search of the bundle opened from disk (file://), where Pagefind cannot
// fetch its index. The documents come as a script (search/bundle-index.js, written
// by kb build --bundle) and lunr (MkDocs' own copy) indexes them when the page
// opens; filters by type, theme, level and language narrow the results. The words
// are the site search's, translated, from the page (kb-search-words).
(function () {
  "use strict";
  var box = document.getElementById("kb-search");
  var data = window.kbBundleSearch;
  if (!box || !data || !window.lunr) return;
  var WORDS = {};
  try {
    WORDS = JSON.parse((document.getElementById("kb-search-words") || {}).textContent || "{}");
  } catch (error) {
    WORDS = {};
  }
  function t(text, values) {
    return (WORDS[text] || text).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }
  var root = box.getAttribute("data-root") || "../";
  var reader = (document.documentElement.lang || "").split("-")[0].toLowerCase();
  var labels = data.filters[reader] || data.filters[data.default_language] || {};
  var FILTERS = [
    ["type", "Type"],
    ["theme", "Theme"],
    ["level", "Level"],
    ["language", "Language"],
  ];

  var languages = (data.languages || []).filter(function (code) {
    return code !== "en" && lunr[code];
  });
  // lunr indexes every record when a query comes (seconds per thousand
  // documents); a page opened without one, or with filters only, does not wait.
  function buildIndex() {
    return lunr(function () {
      if (languages.length && lunr.multiLanguage) this.use(lunr.multiLanguage.apply(lunr, ["en"].concat(languages)));
      this.ref("i");
      this.field("title", { boost: 10 });
      this.field("summary", { boost: 4 });
      this.field("tags", { boost: 3 });
      this.field("text");
      var builder = this;
      data.documents.forEach(function (doc, i) {
        builder.add({ i: String(i), title: doc.title, summary: doc.summary, tags: doc.tags, text: doc.text });
      });
    });
  }

  function element(name, attributes, children) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  var params = new URLSearchParams(window.location.search);
  var form = document.querySelector("form.kb-search-form");
  var input = document.getElementById("kb-q");
  var query = (params.get("q") || "").trim();
  if (input) input.value = query;
  var chosen = {};
  var controls = element("div", { class: "kb-bundle-filters" });
  FILTERS.forEach(function (filter) {
    var name = filter[0];
    var values = labels[name] || {};
    var select = element("select", { name: name, id: "kb-filter-" + name, "aria-label": t(filter[1]) }, [
      element("option", { value: "", text: t(filter[1]) }),
    ]);
    Object.keys(values).forEach(function (value) {
      select.appendChild(element("option", { value: value, text: t(filter[1]) + " · " + values[value] }));
    });
    chosen[name] = params.get(name) || "";
    select.value = chosen[name];
    select.addEventListener("change", function () {
      if (form) form.submit();
    });
    controls.appendChild(select);
  });
  if (form) {
    form.setAttribute("action", "index.html");
    form.appendChild(controls);
  } else {
    box.appendChild(controls);
  }

  function matches(doc) {
    return FILTERS.every(function (filter) {
      var value = chosen[filter[0]];
      return !value || (doc.filters[filter[0]] || []).indexOf(value) >= 0;
    });
  }

  var found;
  if (query) {
    var words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    var hits = [];
    if (words.length) {
      var index = buildIndex();
      // Pages with every word; when none has them all, pages with any.
      hits = index.search(words.map(function (w) { return "+" + w; }).join(" "));
      if (!hits.length) hits = index.search(words.join(" "));
    }
    found = hits.map(function (hit) { return data.documents[Number(hit.ref)]; });
  } else {
    found = data.documents.slice();
  }
  found = found.filter(matches);
  var filtered = FILTERS.some(function (filter) { return chosen[filter[0]]; });
  if (!query && !filtered) {
    box.setAttribute("data-done", "");
    return;
  }
  var summary = query
    ? t(found.length === 1 ? "{count} result for “{query}”." : "{count} results for “{query}”.", { count: found.length, query: query })
    : String(found.length);
  box.appendChild(element("p", { class: "kb-search__status", role: "status", text: summary }));
  var list = element("ol", { class: "kb-results" });
  found.slice(0, 200).forEach(function (doc) {
    list.appendChild(element("li", { class: "kb-result" }, [
      element("a", { href: root + doc.url, class: "kb-result__title", text: doc.title }),
      element("p", { class: "kb-result__facts", text: doc.facts }),
      element("p", { class: "kb-result__summary", text: doc.summary }),
    ]));
  });
  box.appendChild(list);
  box.setAttribute("data-done", "");
})();
