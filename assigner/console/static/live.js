// Parts of a page marked data-live="URL" are fetched again every 5 s and replaced, so the roster and the
// work follow as declarations arrive, while forms elsewhere on the page keep what is being typed.
document.querySelectorAll("[data-live]").forEach((part) => {
  setInterval(async () => {
    const answer = await fetch(part.dataset.live, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (answer.ok) part.innerHTML = await answer.text();
  }, 5000);
});
