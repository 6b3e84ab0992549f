// Parts of a page marked data-live="URL" are fetched again every 5 s and replaced, so the work follows as
// declarations arrive. A part is left as it is while the reader is in it (a field, a list or a button of it has
// the focus, or a choice in it was changed and not sent): what they are choosing or typing is never swept away.
// These fetches do not keep a session from going idle; once it has ended, the page is loaded again (the
// sign-in page).
function busy(part) {
  const active = document.activeElement;
  if (active && active !== document.body && part.contains(active)) return true;
  for (const field of part.querySelectorAll("input, select, textarea")) {
    if (field.tagName === "SELECT") {
      const chosen = [...field.options].findIndex((option) => option.defaultSelected);
      if (field.selectedIndex !== Math.max(chosen, 0)) return true;
    } else if (field.type === "checkbox" || field.type === "radio") {
      if (field.checked !== field.defaultChecked) return true;
    } else if (field.type !== "hidden" && field.value !== field.defaultValue) {
      return true;
    }
  }
  return false;
}

document.querySelectorAll("[data-live]").forEach((part) => {
  setInterval(async () => {
    if (busy(part)) return;
    const answer = await fetch(part.dataset.live, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (answer.ok) {
      const html = await answer.text();
      if (!busy(part)) part.innerHTML = html;
    } else if (answer.status === 401) location.reload();  // signed out (idle, expired, off the roster): to sign-in
  }, 5000);
});
