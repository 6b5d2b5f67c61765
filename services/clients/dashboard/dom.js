// Small DOM helpers. Event data is whatever the orchestrator sent: it only ever reaches
// the page as text (textContent), never as HTML.
export function el(tag, class_name, text) {
  const node = document.createElement(tag);
  if (class_name) node.className = class_name;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function time_of(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleTimeString([], { hour12: false }) +
         "." + String(date.getMilliseconds()).padStart(3, "0");
}

export function percent(fraction) {
  return fraction === null ? "" : Math.round(fraction * 100) + "%";
}

// The artifact's name, or its URL, or its JSON: what a person would call it.
export function artifact_label(artifact) {
  if (typeof artifact === "string") return artifact;
  if (artifact && typeof artifact === "object") {
    return String(artifact.name || artifact.url || JSON.stringify(artifact));
  }
  return JSON.stringify(artifact);
}

export function artifact_url(artifact) {
  const url = artifact && typeof artifact === "object" ? artifact.url : artifact;
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}
