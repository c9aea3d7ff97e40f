// kb: the search page. Results are cards; filters sit behind one "Filter" control and
// show as removable chips; a search that finds nothing offers ways out. The engine is
// search-engine.js (the page's head asks for it with this file, not after it).
import { root, browse, reader, t, settingsReady, instance, scopeLanguages, preloadChunks, run, firstScreen, resembling } from "./search-engine.js";

// Results a page: five, as Pagefind's own interface shows; each costs a fragment of a
// few kilobytes, and a phone's first screen holds three.
const PAGE = 5;
const FIRST_SCREEN = 3;
const LABELS = { type: t("Type"), theme: t("Theme"), level: t("Level"), programme: t("Programme"), country: t("Country"), language: t("Language") };

// The names of documents' types, levels and languages in the page's language, by code
// (the records hold the codes), and how the page separates the items of a list.
const NAMES = { types: {}, levels: {}, languages: {}, separator: ", ", ...JSON.parse(document.getElementById("kb-search-names")?.textContent || "{}") };
const named = (table, code) => (Object.hasOwn(table, code) ? table[code] : code);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") { node.textContent = value; } else { node.setAttribute(key, value); }
  }
  for (const child of children) { if (child) { node.append(child); } }
  return node;
}

function start() {
  const box = document.getElementById("kb-search");
  const form = document.querySelector(".kb-search-form");
  if (!box || !form) { return; }
  const input = form.querySelector("input");
  const params = new URLSearchParams(window.location.search);
  const state = { query: params.get("q") || "", scope: params.get("lang") || "reader", filters: {}, shown: PAGE };
  for (const name of Object.keys(LABELS)) {
    const values = params.getAll(name);
    if (values.length) { state.filters[name] = values; }
  }
  input.value = state.query;
  // Pagefind loads while the reader types: at once for a query in the address, else
  // from the moment the reader goes to the box (an open page alone stays light).
  const warm = () => scopeLanguages(state.scope).then((codes) => codes.forEach(instance));
  if (state.query) { warm(); } else { input.addEventListener("focus", warm, { once: true }); }

  const toggle = element("button", { type: "button", class: "kb-filter-toggle", "aria-expanded": "false", "aria-controls": "kb-filters", text: t("Filter") });
  const languages = element("span", { class: "kb-languages", role: "group", "aria-label": t("Languages") });
  const chips = element("ul", { class: "kb-chips", "aria-label": t("Active filters") });
  const panel = element("div", { id: "kb-filters", class: "kb-filters", hidden: "" });
  const status = element("p", { class: "kb-status", role: "status", "aria-live": "polite" });
  const list = element("ol", { class: "kb-results" });
  const more = element("button", { type: "button", class: "kb-more", hidden: "", text: t("More results") });
  const waysOut = element("div", { class: "kb-ways-out", hidden: "" });
  // Words of another language of the site, typed on this language's page.
  const elsewhere = element("p", { class: "kb-elsewhere", hidden: "" });
  box.append(element("div", { class: "kb-tools" }, toggle, languages), chips, panel, status, elsewhere, list, more, waysOut);

  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) { fillPanel(); }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.query = input.value;
    state.shown = PAGE;
    update();
  });
  more.addEventListener("click", () => { state.shown += PAGE; update(); });

  function remember() {
    const next = new URLSearchParams();
    if (state.query) { next.set("q", state.query); }
    if (state.scope !== "reader") { next.set("lang", state.scope); }
    for (const [name, values] of Object.entries(state.filters)) { values.forEach((v) => next.append(name, v)); }
    const query = next.toString();
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }

  function setFilter(name, value, on) {
    const values = new Set(state.filters[name] || []);
    if (on) { values.add(value); } else { values.delete(value); }
    if (values.size) { state.filters[name] = [...values]; } else { delete state.filters[name]; }
    state.shown = PAGE;
    update();
  }

  async function drawLanguages() {
    const settings = await settingsReady;
    languages.replaceChildren();
    if (settings.languages.length < 2) { return; }
    const own = settings.languages.find((l) => l.code === reader);
    const choices = [["reader", own ? t(own.name) : t("This language")], ["all", t("All languages")]];
    for (const [scope, label] of choices) {
      const button = element("button", { type: "button", "aria-pressed": String(state.scope === scope), text: label });
      button.addEventListener("click", () => { state.scope = scope; state.shown = PAGE; update(); });
      languages.append(button);
    }
  }

  function drawChips() {
    chips.replaceChildren();
    for (const [name, values] of Object.entries(state.filters)) {
      for (const value of values) {
        const remove = element("button", { type: "button", "aria-label": t("Remove the filter {name}: {value}", { name: LABELS[name] || name, value }), text: "×" });
        remove.addEventListener("click", () => setFilter(name, value, false));
        chips.append(element("li", { class: "kb-chip" }, `${LABELS[name] || name}: ${value} `, remove));
      }
    }
    chips.hidden = !chips.children.length;
    const count = Object.values(state.filters).reduce((n, v) => n + v.length, 0);
    toggle.textContent = count ? t("Filter ({count})", { count }) : t("Filter");
  }

  async function fillPanel() {
    const engines = await Promise.all((await scopeLanguages(state.scope)).map(instance));
    const available = {};
    for (const own of await Promise.all(engines.map((e) => e.filters()))) {
      for (const [name, counts] of Object.entries(own)) {
        available[name] = available[name] || {};
        for (const [value, count] of Object.entries(counts)) { available[name][value] = (available[name][value] || 0) + count; }
      }
    }
    panel.replaceChildren();
    for (const [name, counts] of Object.entries(available)) {
      if (name === "language" && state.scope === "reader") { continue; }
      const group = element("fieldset", {}, element("legend", { text: LABELS[name] || name }));
      for (const [value, count] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
        const box = element("input", { type: "checkbox" });
        box.checked = (state.filters[name] || []).includes(value);
        box.addEventListener("change", () => setFilter(name, value, box.checked));
        group.append(element("label", {}, box, ` ${value} `, element("span", { class: "kb-count", text: String(count) })));
      }
      panel.append(group);
    }
  }

  function card(data) {
    const meta = data.meta || {};
    const levels = (meta.levels || "").split(",").filter(Boolean).map((id) => named(NAMES.levels, id)).join(NAMES.separator);
    const facts = [named(NAMES.types, meta.type || ""), levels, meta.programme, named(NAMES.languages, meta.language || "")].filter(Boolean).join(" · ");
    // The title and summary are in the document's language, the facts in the page's.
    const own = meta.language ? { lang: meta.language } : {};
    return element("li", { class: "kb-result", "data-url": data.url },
      element("a", { href: data.url, class: "kb-result__title", text: meta.title || data.url, ...own }),
      element("p", { class: "kb-result__facts", text: facts }),
      meta.summary ? element("p", { class: "kb-result__summary", text: meta.summary, ...own }) : null);
  }

  /** Offer every language when the query has words of another language of the site
   * (a French term on the English page): the results of this one may not be the answer. */
  function drawElsewhere(found) {
    const other = state.scope !== "all" && found.ranked.length > 0 && found.elsewhere.length > 0;
    elsewhere.hidden = !other;
    if (!other) { elsewhere.replaceChildren(); return; }
    const button = element("button", { type: "button", text: t("Search all languages") });
    button.addEventListener("click", () => { state.scope = "all"; state.shown = PAGE; update(); });
    elsewhere.replaceChildren(t("Some of these words are in another language of the site.") + " ", button);
  }

  async function drawWaysOut(found) {
    waysOut.replaceChildren();
    waysOut.hidden = found.ranked.length > 0;
    if (!waysOut.hidden) {
      const items = element("ul");
      if (found.didYouMean) {
        const link = element("a", { href: "?q=" + encodeURIComponent(found.didYouMean), text: found.didYouMean });
        items.append(element("li", {}, t("Search for") + " ", link));
      }
      for (const [name, values] of Object.entries(state.filters)) {
        for (const value of values) {
          const button = element("button", { type: "button", text: t("Remove the filter {name}: {value}", { name: LABELS[name] || name, value }) });
          button.addEventListener("click", () => setFilter(name, value, false));
          items.append(element("li", {}, button));
        }
      }
      if (state.scope === "reader" && (await settingsReady).languages.length > 1) {
        const button = element("button", { type: "button", text: t("Search all languages") });
        button.addEventListener("click", () => { state.scope = "all"; update(); });
        items.append(element("li", {}, button));
      }
      for (const term of await resembling(found.query)) {
        const link = element("a", { href: new URL(browse + term.url, root).pathname, text: term.label });
        items.append(element("li", {}, t("Browse the {vocabulary}", { vocabulary: t(term.vocabulary) }) + " ", link));
      }
      items.append(element("li", {}, t("Browse by") + " ",
        element("a", { href: new URL(browse + "themes/", root).pathname, text: t("theme") }), " " + t("or") + " ",
        element("a", { href: new URL(browse + "levels/", root).pathname, text: t("level") })));
      waysOut.append(element("p", { text: t("Nothing found. You could:") }), items);
    }
  }

  /** Say how many pages a search found, and its notices; returns how many. */
  function say(found) {
    const total = found.ranked.length;
    const counted = t(total === 1 ? "{count} result for “{query}”." : "{count} results for “{query}”.", { count: total, query: state.query });
    let text = [...found.notices, total ? counted : ""].filter(Boolean).join(" ");
    if (found.didYouMean && total && !found.notices.length) {
      text += " " + t("Did you mean “{suggestion}”?", { suggestion: found.didYouMean });
    }
    if (status.textContent !== text) { status.textContent = text; } // said once, not twice
    return total;
  }

  let latest = 0;
  let firstListed = Promise.resolve(); // the last search's first-screen lists, in or given up
  async function update() {
    remember();
    drawChips();
    drawLanguages();
    if (!panel.hidden) { fillPanel(); }
    const ticket = ++latest;
    if (!state.query.trim()) {
      list.replaceChildren();
      elsewhere.hidden = true;
      status.textContent = "";
      more.hidden = true;
      waysOut.hidden = true;
      return;
    }
    box.setAttribute("aria-busy", "true");
    // A first screen from kb's own small lists while Pagefind loads (a query in the
    // page's language, without filters); then Pagefind's first ranking, each card drawn
    // once it and those above it have come (their fragments are asked for at once);
    // then every card of the final ranking. A card stays where the next ranking has the
    // same page in the same place, so only what differs moves.
    let pagefindDrew = false;
    const place = (position, data) => {
      const old = list.children[position];
      if (!old) { list.append(card(data)); } else if (old.dataset.url !== data.url) { old.replaceWith(card(data)); }
    };
    const keepFirst = (count) => { while (list.children.length > count) { list.lastElementChild.remove(); } };
    let first = null;
    if (state.scope === "reader" && !Object.keys(state.filters).length) {
      let listed;
      firstListed = new Promise((done) => { listed = done; });
      // Whatever befalls the first screen, Pagefind's ranking is drawn as before.
      first = firstScreen(state.query, FIRST_SCREEN, listed).then((cards) => {
        if (ticket !== latest || pagefindDrew || !cards) { return; }
        cards.forEach((data, position) => place(position, data));
        keepFirst(cards.length);
      }).catch(() => {}).finally(listed);
    }
    const drawFirst = async (early) => {
      if (ticket !== latest) { return; }
      const pending = early.ranked.slice(0, FIRST_SCREEN).map((r) => r.page.data());
      if (pending.length) { say(early); } // the same pages as the final ranking's
      for (const [position, next] of pending.entries()) {
        const data = await next;
        if (ticket !== latest) { return; }
        pagefindDrew = true;
        place(position, data);
      }
      keepFirst(pending.length);
    };
    const found = await run(state.query, { filters: state.filters, scope: state.scope, early: drawFirst });
    if (ticket !== latest) { return; }
    const shown = found.ranked.slice(0, state.shown);
    const pages = await Promise.all(shown.map((r) => r.page.data()));
    if (ticket !== latest) { return; }
    pagefindDrew = true;
    await first;
    const total = say(found);
    pages.forEach((data, position) => place(position, data));
    keepFirst(pages.length);
    more.hidden = total <= state.shown;
    drawElsewhere(found);
    await drawWaysOut(found);
    box.removeAttribute("aria-busy");
    box.dataset.done = String(ticket);
    window.kbSearchFinished?.(); // the service worker's registration waits for it
  }

  update();
  // Pagefind's index chunks for a query in the address once the first screen's lists
  // are in: on a slow link they would otherwise share it with 70 KB of chunks (at 5,000
  // documents), while Pagefind still waits for its WebAssembly anyway.
  if (state.query) { firstListed.then(() => preloadChunks(state.query, state.scope)); }
}

start();
