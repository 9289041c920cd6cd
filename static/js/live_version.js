// "This has changed since the page loaded", said only when it has. A page that shows data which
// others may change renders, from the server, the version token of that data:
//   <div id="live-version" hidden data-live-version="TOKEN" data-live-version-url="/…/version/"
//        data-live-types="incident. divert." [data-live-incident="ID"] data-live-changed-text="…">
// On a live push of one of those types (for that incident, when given) and after every
// (re)connect of the live socket (pushes may have been missed), the page asks the URL for the
// current token ({"version"}) and shows the banner with a Reload button only when the token
// differs from the one rendered. The first connect of a fresh page therefore shows nothing
// unless the data really changed between the render and the connect. After the user's own
// htmx change the page takes the new token as its own (it is what they just did).

const el = document.getElementById("live-version");

function showBanner(text) {
  if (document.getElementById("live-changed")) return;
  const banner = document.createElement("div");
  banner.id = "live-changed";
  banner.className = "banner info";
  banner.setAttribute("role", "status");
  banner.append(`${text} `);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn small";
  button.textContent = "Reload";
  button.addEventListener("click", () => location.reload());
  banner.append(button);
  document.querySelector("main")?.prepend(banner);
}

async function currentVersion() {
  try {
    const response = await fetch(el.dataset.liveVersionUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return null;
    return (await response.json()).version ?? null;
  } catch {
    return null; // the socket's next (re)connect asks again
  }
}

let timer = null;
let adopt = false;
function check({ own = false } = {}) {
  adopt = adopt || own;
  clearTimeout(timer);
  // A burst of pushes (one action publishes several) is one question.
  timer = setTimeout(async () => {
    const takeAsOwn = adopt;
    adopt = false;
    const version = await currentVersion();
    if (version === null || version === el.dataset.liveVersion) return;
    if (takeAsOwn) el.dataset.liveVersion = version;
    else showBanner(el.dataset.liveChangedText || "This page has changed since it loaded.");
  }, 250);
}

if (el) {
  const types = (el.dataset.liveTypes || "").split(/\s+/).filter(Boolean);
  const incident = el.dataset.liveIncident ? Number(el.dataset.liveIncident) : null;
  document.addEventListener("cad:live", (event) => {
    const message = event.detail || {};
    const type = message.type || "";
    if (!types.some((prefix) => type.startsWith(prefix))) return;
    if (incident !== null && "incident" in message && Number(message.incident) !== incident) return;
    check();
  });
  document.addEventListener("cad:resync", () => check());
  document.addEventListener("htmx:afterRequest", (event) => {
    const verb = (event.detail?.requestConfig?.verb || "get").toLowerCase();
    if (event.detail?.successful && verb !== "get") check({ own: true });
  });
  window.cadLiveVersion = { check };
}
