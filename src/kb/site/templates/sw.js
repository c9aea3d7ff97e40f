// kb's service worker: keeps what a reader opened (pages, stylesheet, scripts, the
// search index's chunks) so that reading and search work without a connection.
// One cache per build ("kb-" and the build's version): a new build's worker takes
// over at once, carries the files the reader kept into its own cache (unchanged
// ones copied, changed ones fetched again, removed ones dropped) and deletes the
// older caches, so nothing of an older build is shown as current. Requests to
// other hosts are never made nor answered here.
const VERSION = "__KB_VERSION__";
const PREFIX = "kb-";
const CACHE = PREFIX + VERSION;
const MANIFEST = "offline.json";
const SCOPE = new URL(self.registration.scope);

// "lessons/x/" for the address of base/lessons/x/?q=1: the key offline.json lists files by.
function sitePath(address) {
  const url = new URL(address);
  return url.origin === SCOPE.origin && url.pathname.startsWith(SCOPE.pathname)
    ? url.pathname.slice(SCOPE.pathname.length)
    : null;
}

async function readManifest(cache) {
  const kept = await cache.match(new URL(MANIFEST, SCOPE).href, { ignoreVary: true });
  return kept ? kept.json() : { files: {} };
}

async function carryOver() {
  const cache = await caches.open(CACHE);
  const response = await fetch(new URL(MANIFEST, SCOPE).href, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${MANIFEST}: ${response.status}`);
  await cache.put(new URL(MANIFEST, SCOPE).href, response.clone());
  const files = (await response.json()).files;
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await caches.open(name);
    const before = (await readManifest(old)).files;
    for (const request of await old.keys()) {
      const path = sitePath(request.url);
      if (path === null || path === MANIFEST || !(path in files)) continue;
      if (before[path] && before[path][0] === files[path][0]) {
        await cache.put(request, await old.match(request, { ignoreVary: true }));
      } else {
        // Best effort: a file that cannot be fetched now is fetched when next read.
        try {
          const fresh = await fetch(request, { cache: "no-cache" });
          if (fresh.ok) await cache.put(request, fresh);
        } catch (error) {
          console.warn("kb offline: not carried over", request.url, error);
        }
      }
    }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(carryOver().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// A page: the network first (a reader online always gets the current page), the
// kept copy when the network fails. Anything else: the kept copy first, since the
// cache holds this build's files only.
async function answer(request) {
  const cache = await caches.open(CACHE);
  const page = request.mode === "navigate";
  const key = page ? request.url.split(/[?#]/)[0] : request.url;
  if (!page) {
    const kept = await cache.match(key, { ignoreVary: true });
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || sitePath(request.url) === null) return;
  event.respondWith(answer(request));
});

// A page asks to keep files: its own address and what it loaded before the worker ran.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.kb !== "keep" || !Array.isArray(data.urls)) return;
  const urls = data.urls.filter((u) => typeof u === "string" && sitePath(u) !== null);
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      for (const url of urls) {
        const key = url.split("#")[0];
        if (await cache.match(key, { ignoreVary: true })) continue;
        try {
          const response = await fetch(key);
          if (response.ok && response.type === "basic") await cache.put(key, response);
        } catch (error) {
          console.warn("kb offline: not kept", key, error);
        }
      }
    }),
  );
});
