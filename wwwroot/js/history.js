// The History page's custom range is typed in the browser's local time, which only the browser knows.

const pad = (n) => String(n).padStart(2, "0");

// Unix ms → "yyyy-MM-ddTHH:mm" in local time, the value format of <input type="datetime-local">.
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// "yyyy-MM-ddTHH:mm" in local time → unix ms, or null when it is not a time.
export function fromLocalInput(text) {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? null : ms;
}

// The range as the user reads it, e.g. "1 Jun 2025, 12:00 – 2 Jun 2025, 12:00".
export function formatRange(fromMs, toMs) {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return format.formatRange(new Date(fromMs), new Date(toMs));
}
