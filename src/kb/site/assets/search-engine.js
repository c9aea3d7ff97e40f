// kb: the site's search engine, on Pagefind's own JavaScript interface, treating a
// query as `kb search` does (kb.search.querymodel): aliases rewritten, stop words left
// out, every word first, misspelt words corrected from the site's own words, then the
// pages with most of the words; and a first screen from kb's own lists while Pagefind
// loads (kb.site.first_screen). The search page (search.js) draws what it finds.
// The site's root: one folder up, or two from a language's own search page (fr/search/).
const root = new URL(document.getElementById("kb-search")?.dataset.root || "../", window.location.href);
const bundle = new URL("pagefind/", root);
const reader = (document.documentElement.lang || "en").split("-")[0].toLowerCase();
// The interface's words in the page's language, from the page (kb's catalogues);
// t("{count} results", { count: 2 }) fills the braces.
const WORDS = JSON.parse(document.getElementById("kb-search-words")?.textContent || "{}");
function t(text, values = {}) {
  return (WORDS[text] || text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
// The browse pages of the page's language: "fr/" on the French search page.
const browse = document.getElementById("kb-search")?.dataset.browse || "";
// Words as both engines split them: an apostrophe, straight or typographic, ends a word,
// so French elisions (l', d', qu') and English possessives leave the word itself.
const WORD = /[\p{L}][\p{L}\p{M}-]*/gu;
const settingsReady = fetch(new URL("kb-search.json", bundle)).then((r) => r.json());
const vocabularies = {};
const instances = {};

function instance(code) {
  // One Pagefind a language, each with its own stemmer: Pagefind's merged indexes would
  // search every language with the page's own (French pages stemmed as English on the
  // English search page). One copy of Pagefind's module holds one language's
  // WebAssembly, so each other language gets its own copy (its address says which);
  // and Pagefind takes an instance's language from the page's, so the page says the
  // instance's language while it is made.
  if (!instances[code]) {
    instances[code] = (async () => {
      const address = code === reader ? "pagefind.js" : "pagefind.js?" + encodeURIComponent(code);
      const module = await import(new URL(address, bundle).href);
      const html = document.documentElement;
      const own = html.getAttribute("lang");
      html.setAttribute("lang", code);
      // In the page, not a worker: one request less before the first search, and
      // the files the page preloads are the ones used. The page's own language asks
      // for Pagefind's entry file at the address the page did as it opened (its
      // kb-preload script), so the browser has it already.
      const options = { baseUrl: root.pathname, noWorker: true };
      if (code === reader && window.kbPagefindTag) {
        options.metaCacheTag = window.kbPagefindTag;
        window.kbPagefindTag = null; // once: a later instance asks afresh
      }
      let made;
      try {
        made = module.createInstance(options);
      } finally {
        if (own === null) { html.removeAttribute("lang"); } else { html.setAttribute("lang", own); }
      }
      // Pagefind's own ranking: setting Whoosh's K1 and B here measured worse on the
      // judged sets (tests/judged/).
      await made.options({ baseUrl: root.pathname });
      // Its metadata and WebAssembly now, not once the reader has typed.
      await made.init();
      return made;
    })();
  }
  return instances[code];
}

/** The languages a scope searches: "reader" (the page's), "all", or one language's code. */
async function scopeLanguages(scope) {
  if (scope === "reader") { return [reader]; }
  const codes = (await settingsReady).languages.map((l) => l.code);
  return scope === "all" ? codes : [scope];
}

function bySearch(lists) {
  // Results of several languages' indexes as one list, best first.
  return lists.flat().sort((a, b) => b.score - a.score);
}

function fold(text) {
  return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
}

function rewrite(query, rewrites) {
  const names = Object.keys(rewrites).sort((a, b) => b.length - a.length);
  if (!names.length) { return query; }
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp("(?<![\\p{L}\\p{N}_&])(" + escaped.join("|") + ")(?![\\p{L}\\p{N}_&])", "giu");
  return query.replace(pattern, (m) => rewrites[fold(m)] || m);
}

function distance(a, b, most) {
  // Edit distance with adjacent swaps, stopping early past `most`.
  if (Math.abs(a.length - b.length) > most) { return most + 1; }
  let before = null;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2] + 1);
      }
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > most) { return most + 1; }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

function prefixFile(prefix) {
  return [...prefix].map((c) => (/^[a-z0-9]$/.test(c) ? c : "u" + c.codePointAt(0).toString(16))).join("");
}

const NO_WORDS = { words: [], terms: {}, lists: {} };

async function shard(language, word) {
  // The site's words of one language that begin as `word` does, most frequent first
  // (`words`), and the first screen's term file of each that has one (`terms`).
  const settings = await settingsReady;
  const prefix = fold(word.slice(0, 2));
  if (!(settings.prefixes[language] || []).includes(prefix)) { return NO_WORDS; }
  const key = language + "/" + prefixFile(prefix);
  if (!(key in vocabularies)) {
    vocabularies[key] = fetch(new URL("kb-words/" + key + ".json", bundle))
      .then((r) => (r.ok ? r.json() : NO_WORDS))
      .catch(() => NO_WORDS);
  }
  return vocabularies[key];
}

async function words(language, word) {
  return (await shard(language, word)).words;
}

function wordLists(query, languages) {
  // Every word's list in every language, asked for at once (one round trip, not one a word).
  return Promise.all(query.map((word) => Promise.all(languages.map((l) => words(l, word.toLowerCase())))));
}

async function correct(query, languages) {
  // Each word the site does not have → its closest word (same beginning, the most
  // frequent of the nearest), as kb search's "did you mean". `elsewhere`: the other
  // languages of the site that words left as typed belong to.
  const out = [];
  const elsewhere = new Set();
  let changed = false;
  const listed = await wordLists(query, languages);
  const others = (await settingsReady).languages.map((l) => l.code).filter((c) => !languages.includes(c));
  for (const [position, word] of query.entries()) {
    const lower = word.toLowerCase();
    const lists = listed[position];
    // Pagefind leaves accents aside; so does knowing a word.
    const bare = fold(lower);
    const has = (list) => list.some((w) => fold(w) === bare);
    if (lower.length < 4 || lists.some(has)) {
      out.push(word);
      continue;
    }
    // A word of another of the site's languages is no misspelling ("comité" typed on the
    // English page is not "coming"): it stays, and the page offers to search every
    // language (search.js). Those lists are asked for only for a word about to change.
    if (others.length) {
      const theirLists = await Promise.all(others.map((l) => words(l, lower)));
      const theirs = others.filter((_, n) => has(theirLists[n]));
      if (theirs.length) {
        theirs.forEach((code) => elsewhere.add(code));
        out.push(word);
        continue;
      }
    }
    const most = lower.length > 5 ? 2 : 1;
    let best = null;
    let bestDistance = most + 1;
    for (const list of lists) {
      for (const candidate of list) {
        const d = distance(lower, candidate, Math.min(most, bestDistance));
        if (d < bestDistance) { best = candidate; bestDistance = d; }
        if (bestDistance === 1) { break; }
      }
    }
    if (best) { out.push(best); changed = true; } else { out.push(word); }
  }
  return { words: out, changed, elsewhere: [...elsewhere] };
}

async function queryLanguage(query, languages, said, stopWords) {
  // The one language whose own words include the most of the query's words, if any;
  // the common words the query was said with ("in", "for the") count for theirs.
  const listed = await wordLists(query, languages);
  const counts = languages.map((language, index) => {
    const own = new Set(stopWords[language] || []);
    const common = said.filter((word) => own.has(word.toLowerCase())).length;
    const known = query.filter((word, position) => listed[position][index].some((w) => fold(w) === fold(word.toLowerCase()))).length;
    return [known + common, language];
  });
  counts.sort((a, b) => b[0] - a[0]);
  return counts.length > 1 && counts[0][0] > counts[1][0] ? counts[0][1] : null;
}

/** The query's words (`all`) and those searched (`used`): aliases rewritten, stop words
 * left out unless nothing else is left. */
function queryWords(query, settings, languages) {
  const stop = new Set(languages.flatMap((l) => settings.stopWords[l] || []));
  const text = rewrite(query.replace(/[“”„"]/g, " "), settings.rewrites);
  const all = text.match(WORD) || [];
  const used = all.filter((w) => w.length > 1 && !stop.has(w.toLowerCase()));
  return { all, used: used.length ? used : all };
}

// A word as Pagefind looks it up in its table of index chunks: lower case, without
// punctuation or accents.
function pagefindWord(word) {
  return word.toLowerCase().replace(/[\p{Pd}\p{Pe}\p{Pf}\p{Pi}\p{Po}\p{Ps}]/gu, "")
    .normalize("NFD").replace(/\p{M}/gu, "");
}

/** The index chunks Pagefind reads for `terms`, from its table of chunks (first word,
 * last word, name) as it picks them: for each term the first chunk whose words' range
 * holds it, or, when none does, the first whose range holds it cut to the length of the
 * range's ends (the ends are shortened words: "commi" ends the chunk "committee" is in). */
function chunksFor(table, terms) {
  const holds = (term, loose) => ([first, last]) => {
    if (!loose) { return first <= term && term <= last; }
    const a = Math.min(term.length, first.length);
    const b = Math.min(term.length, last.length);
    return term.slice(0, a) >= first.slice(0, a) && term.slice(0, b) <= last.slice(0, b);
  };
  return terms.map((term) => table.find(holds(term, false)) || table.find(holds(term, true)))
    .filter(Boolean).map((chunk) => chunk[2]);
}

// The index chunks asked for already, by Pagefind (which fetches them with the page's
// `fetch`, watched here) or by a preload: a preload made after Pagefind's own request
// would download the chunk a second time (on a fast link Pagefind can be first).
const chunksAsked = new Set();
const pageFetch = window.fetch.bind(window);
window.fetch = (resource, options) => {
  try {
    const address = new URL(resource instanceof Request ? resource.url : String(resource), window.location.href);
    if (address.pathname.endsWith(".pf_index")) { chunksAsked.add(address.href); }
  } catch { /* not an address: fetch says so */ }
  return pageFetch(resource, options);
};

/** Ask for the index chunks a search of `query` reads while Pagefind's WebAssembly and
 * metadata still load: Pagefind picks them from its metadata's table, only once both
 * are in; kb-search.json has a copy (kb.site.search_index.write_chunk_table). */
async function preloadChunks(query, scope) {
  const settings = await settingsReady;
  const languages = await scopeLanguages(scope);
  const terms = queryWords(query, settings, languages).used.map(pagefindWord).filter(Boolean);
  for (const language of languages) {
    for (const name of chunksFor((settings.chunks || {})[language] || [], terms)) {
      const href = new URL(`index/${name}.pf_index`, bundle).href;
      if (chunksAsked.has(href)) { continue; }
      chunksAsked.add(href);
      document.head.append(Object.assign(document.createElement("link"), { rel: "preload", as: "fetch", crossOrigin: "anonymous", href }));
    }
  }
}

/** How many times two of `positions` (word positions in a page) are next to each other. */
function sideBySide(positions) {
  const at = new Set(positions);
  let count = 0;
  for (const position of at) { if (at.has(position + 1)) { count += 1; } }
  return count;
}

/** Search as kb search does. scope: "reader" (the page's language), "all", or a language
 * code. early: called (and awaited) with a first ranking before the pairs of words side
 * by side are searched for, which takes Pagefind as long as the search itself; the
 * result returned is ranked with them. */
async function run(query, { filters = {}, scope = "reader", early = null } = {}) {
  const settings = await settingsReady;
  const languages = await scopeLanguages(scope);
  const chosen = { ...filters };
  if (scope !== "reader" && scope !== "all") {
    const named = settings.languages.find((l) => l.code === scope);
    if (named) { chosen.language = [named.name]; }
  }
  const pagefindFilters = {};
  for (const [name, values] of Object.entries(chosen)) {
    if (values.length) { pagefindFilters[name] = { any: values }; }
  }
  const { all, used: searched } = queryWords(query, settings, languages);
  let used = searched;
  const result = { query, ranked: [], notices: [], didYouMean: null, words: used, elsewhere: [] };
  if (!used.length) { return result; }
  const lists = wordLists(used, languages); // fetched while Pagefind loads and searches
  const engines = await Promise.all(languages.map(instance));
  const search = async (terms, extra = {}) => {
    const options = { filters: { ...pagefindFilters, ...extra } };
    const each = await Promise.all(engines.map((e) => e.search(terms, options)));
    return bySearch(each.map((f, n) => f.results.map((r) => ({ ...r, language: languages[n] }))));
  };
  const found = await search(used.join(" "));
  await lists;
  // Pagefind also matches the beginnings of words, so a misspelt word may still find
  // pages; as with kb search, a word the site does not have is corrected and the
  // corrected query's pages come first.
  let again = [];
  const fixed = await correct(used, languages);
  result.elsewhere = fixed.elsewhere;
  if (fixed.changed) {
    result.didYouMean = fixed.words.join(" ");
    again = await search(result.didYouMean);
    if (again.length) {
      result.notices.push(found.length
        ? t("Showing results for “{query}”.", { query: result.didYouMean })
        : t("Nothing matches “{query}”; showing results for “{corrected}”.", { query, corrected: result.didYouMean }));
      used = fixed.words;
    }
  }
  const corrected = new Set(again.map((r) => r.id));
  const merged = again.concat(found.filter((r) => !corrected.has(r.id)));
  // Scores of two languages' indexes do not compare: the pages of the language whose
  // words the query uses most come first (a query in French finds French pages first,
  // as with kb search); when the words say nothing, the order of the scores.
  let preferred = null;
  if (languages.length > 1 && !chosen.language) {
    preferred = await queryLanguage(used, languages, all, settings.stopWords);
  }
  const first = (r) => r.language === preferred;
  const ownFirst = (list, page) => (preferred ? list.filter((c) => first(page(c))).concat(list.filter((c) => !first(page(c)))) : list);
  result.words = used;
  const distinct = [...new Set(used.map((w) => w.toLowerCase()))];
  // Few pages with every word (in the query's language, when it has one; another
  // language's pages may hold the beginnings of the words by chance): those with most.
  const every = preferred ? merged.filter(first).length : merged.length;
  let counts = null;
  let more = [];
  if (distinct.length > 1 && every < settings.few) {
    counts = new Map();
    for (const word of distinct) {
      for (const page of await search(word)) {
        const seen = counts.get(page.id) || { page, words: 0, score: 0 };
        seen.words += 1;
        seen.score += page.score;
        counts.set(page.id, seen);
      }
    }
    const needed = Math.max(1, Math.ceil(distinct.length / 2));
    const have = new Set(merged.map((r) => r.id));
    more = [...counts.values()]
      .filter((c) => c.words >= needed && !have.has(c.page.id))
      .sort((a, b) => b.words - a.words || b.score - a.score);
    if (more.length) {
      result.notices.push(every
        ? t("Few pages have every word; pages with most of them are included.")
        : t("No page has every word; showing pages with most of them."));
    }
  }

  // The ranking, given each page's gain for holding query words side by side (1 when
  // none): as with kb search, a page gains its score again for each pair of the query's
  // words it holds next to each other, in proportion.
  const ranking = (nearness) => {
    const gain = (id) => nearness.get(id) || 1;
    const near = found.map((r) => ({ ...r, score: r.score * gain(r.id) })).sort((a, b) => b.score - a.score);
    const pages = ownFirst(again.concat(near.filter((r) => !corrected.has(r.id))), (r) => r);
    const ranked = pages.map((r) => ({ page: r, words: used.length, score: r.score }));
    if (!more.length) { return ranked; }
    // Ranked together, as kb search does, each page by the sum of its words' own scores
    // (Pagefind's score of several words is not their sum, so the pages with every
    // word are scored word by word too, with their gain for words side by side): a
    // page naming two of three words in its title can be a better answer than one
    // holding the third word once in its body.
    const summed = (c) => ({ ...c, score: (counts.get(c.page.id)?.score ?? c.score) * gain(c.page.id) });
    const pool = ranked.map(summed).concat(more).sort((a, b) => b.score - a.score);
    return ownFirst(pool, (c) => c.page);
  };
  const pairs = searched.length > 1 && found.length > 1 ? searched.length - 1 : 0;
  if (early) {
    // First from the positions Pagefind gives each result of its words, with no second
    // search: two of the query's words next to each other count as a pair (the positions
    // do not say which word is where, and a word's beginning matches too, so a few pages
    // gain what the phrase search then denies them).
    const guessed = new Map();
    for (const page of pairs ? found : []) {
      const held = Math.min(pairs, sideBySide(page.words));
      if (held) { guessed.set(page.id, 1 + (settings.proximity * held) / pairs); }
    }
    await early({ ...result, ranked: ranking(guessed) });
  }
  // Pagefind finds a quoted pair as a phrase (without a score).
  const nearness = new Map();
  if (pairs) {
    const quoted = searched.slice(1).map((word, n) => `"${searched[n]} ${word}"`);
    const held = new Map();
    for (const pages of await Promise.all(quoted.map((pair) => search(pair)))) {
      for (const page of pages) { held.set(page.id, (held.get(page.id) || 0) + 1); }
    }
    for (const [id, count] of held) { nearness.set(id, 1 + (settings.proximity * count) / pairs); }
  }
  result.ranked = ranking(nearness);
  return result;
}

const firstFiles = {};
function firstFile(path) {
  if (!(path in firstFiles)) {
    firstFiles[path] = fetch(new URL("kb-first/" + path + ".json", bundle))
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return firstFiles[path];
}

/** The first screen of a search in the page's own language, without filters, from kb's
 * lists of the documents whose title, summary, filing or headings hold each word
 * (kb.site.first_screen): up to `count` cards, as Pagefind's result data, best first by
 * the sum of their words' scores, of the pages holding every word there; null when a word
 * has no list or no page holds them all (then only Pagefind answers). */
async function firstScreen(query, count, listed = () => {}) {
  const settings = await settingsReady;
  const { used } = queryWords(query, settings, [reader]);
  if (!used.length) { return null; }
  // Each word's list: a long one in a file the settings name, a short one in the
  // spelling list of the word's first letters.
  // (Own keys only: a reader's "constructor" is no file.)
  const at = (table, key) => (table && Object.hasOwn(table, key) ? table[key] : null);
  const lists = await Promise.all(used.map(async (word) => {
    const folded = fold(word.toLowerCase());
    const file = at(at(settings.first, reader), folded);
    if (file) { return firstFile(`${reader}/w/${file}`); }
    const letters = await shard(reader, word.toLowerCase());
    return at(letters.lists, at(letters.terms, folded));
  }));
  listed();
  if (lists.some((list) => !list)) { return null; }
  const pages = new Map();
  const distinct = [...new Set(lists)]; // two forms of one word share a list
  for (const list of distinct) {
    // Every page holding the word, by number: the step from the one before, its score.
    let number = 0;
    for (let step = 0; step < list.length; step += 2) {
      number += list[step];
      const page = pages.get(number) || { number, words: 0, score: 0 };
      page.words += 1;
      page.score += list[step + 1];
      pages.set(number, page);
    }
  }
  const best = [...pages.values()].filter((p) => p.words === distinct.length)
    .sort((a, b) => b.score - a.score || a.number - b.number).slice(0, count);
  if (!best.length) { return null; } // no page has every word in the weighed parts
  const cards = await Promise.all(best.map((p) => firstFile(`${reader}/c/${Math.floor(p.number / settings.cards)}`)));
  if (cards.some((c) => !c)) { return null; }
  const found = best.map((p, n) => cards[n][p.number % settings.cards]);
  if (found.some((data) => !data)) { return null; } // files of another build
  return found.map((data) => ({ ...data, url: new URL(data.url, root).pathname }));
}

/** The vocabulary terms whose label or an alias shares a word (or its start) with the query. */
async function resembling(query) {
  const settings = await settingsReady;
  const wanted = (query.match(WORD) || []).map(fold).filter((w) => w.length > 2);
  const scored = [];
  settings.named.forEach((term, order) => {
    const names = [term.label, ...term.aliases].join(" ");
    const own = (names.match(WORD) || []).map(fold);
    const shared = wanted.filter((w) => own.some((n) => n === w || (w.length > 3 && n.startsWith(w.slice(0, 4))))).length;
    if (shared && term.url) { scored.push({ term, shared, order }); }
  });
  return scored.sort((a, b) => b.shared - a.shared || a.order - b.order).slice(0, 5).map((s) => s.term);
}

window.kbSearch = { run, resembling, firstScreen, settings: settingsReady, instance };

export { root, browse, reader, t, settingsReady, instance, scopeLanguages, preloadChunks, run, firstScreen, resembling };
