// Parts of a page marked data-live="URL" are fetched again every 5 s and replaced, so the roster and the
// work follow as declarations arrive, while forms elsewhere on the page keep what is being typed. These fetches
// do not keep a session from going idle; once it has ended, the page is loaded again (the sign-in page).
document.querySelectorAll("[data-live]").forEach((part) => {
  setInterval(async () => {
    const answer = await fetch(part.dataset.live, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (answer.ok) part.innerHTML = await answer.text();
    else if (answer.status === 401) location.reload();  // signed out (idle, expired, off the roster): to sign-in
  }, 5000);
});
