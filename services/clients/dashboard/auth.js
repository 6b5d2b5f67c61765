// The token of docs/protocol.md section 6. A `?token=` in the page's address is kept in
// sessionStorage, so it lasts for this tab only, and is taken out of the address bar so
// that it is not bookmarked or shared by copying the URL. WebSocket and EventSource
// cannot set headers: they carry it as the `token` query parameter; fetch sends it as
// `Authorization: Bearer`.
const storage_key = "runrelay.token";

function read_token() {
  const url = new URL(window.location.href);
  const from_url = url.searchParams.get("token");
  if (from_url) {
    try {
      sessionStorage.setItem(storage_key, from_url);
    } catch (_) {
      // Storage can be off (private mode); the token then lasts until a reload.
    }
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    return from_url;
  }
  try {
    return sessionStorage.getItem(storage_key);
  } catch (_) {
    return null;
  }
}

const token = read_token();

export function has_token() {
  return Boolean(token);
}

// `path` with the token as a query parameter, for WebSocket and EventSource.
export function with_token(path) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

export function ws_url(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return scheme + "//" + window.location.host + with_token(path);
}

// fetch with the token as a header. Answers {status, body}: body is the parsed JSON,
// or the text when the answer is not JSON, or null after a network error (status 0).
export async function fetch_relay(path, { signal, as_text = false } = {}) {
  const headers = token ? { Authorization: "Bearer " + token } : {};
  let response;
  try {
    response = await fetch(path, { headers, signal, cache: "no-store" });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    return { status: 0, body: null };
  }
  const text = await response.text();
  if (as_text) return { status: response.status, body: text };
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch (_) {
    return { status: response.status, body: text };
  }
}
