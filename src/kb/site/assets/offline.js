// kb: "keep offline" on the downloads page. The whole site, or one pack, is fetched
// into the service worker's cache for this build (sw.js), its size stated on the
// button before anything is fetched; offline.json (written by kb build) lists the
// files. Nothing shows where service workers cannot run (file://, old browsers).
const panel = document.getElementById("kb-keep");
const WORDS = JSON.parse(document.getElementById("kb-keep-words")?.textContent || "{}");
function t(text, values = {}) {
  return (WORDS[text] || text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
function size(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
const PARALLEL = 6;

async function keep(root, version, selection, status) {
  await navigator.serviceWorker.ready;
  const cache = await caches.open(`kb-${version}`);
  const queue = [...selection.files];
  let done = 0;
  let failed = 0;
  async function worker() {
    while (queue.length) {
      const url = new URL(queue.shift(), root).href;
      try {
        if (!(await cache.match(url, { ignoreVary: true }))) {
          const response = await fetch(url);
          if (!response.ok) throw new Error(String(response.status));
          await cache.put(url, response);
        }
        done += 1;
      } catch (error) {
        failed += 1;
      }
      status.textContent = t("Saving: {done} of {total} files…", { done: done + failed, total: selection.files.length });
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  status.textContent = failed
    ? t("{failed} files could not be saved; try again when the connection is back.", { failed })
    : t("Kept in this browser: {count} files ({size}).", { count: done, size: size(selection.bytes) });
  return failed === 0;
}

function control(container, label, root, version, selection) {
  const line = document.createElement("span");
  line.className = "kb-keep";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const kept = await keep(root, version, selection, status);
    button.disabled = kept;
  });
  line.append(button, status);
  container.append(line);
}

async function offer() {
  const root = new URL(panel.dataset.root || "../", window.location.href);
  const response = await fetch(new URL("offline.json", root));
  if (!response.ok) return;
  const manifest = await response.json();
  control(panel, t("Keep the whole site offline ({size})", { size: size(manifest.site.bytes) }), root, manifest.version, manifest.site);
  for (const item of document.querySelectorAll("[data-pack]")) {
    const pack = manifest.packs[item.dataset.pack];
    if (pack) control(item, t("Keep this pack offline ({size})", { size: size(pack.bytes) }), root, manifest.version, pack);
  }
  panel.hidden = false;
}

if (panel && "serviceWorker" in navigator && "caches" in window && window.location.protocol.startsWith("http")) {
  offer().catch((error) => console.warn("kb offline:", error));
}
