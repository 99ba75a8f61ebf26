// The pages' few behaviours, kept out of the HTML so that the Content-Security-Policy
// can refuse every inline script (script-src 'self').
"use strict";

// <form data-confirm="问题？">: ask before sending.
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// <a data-back href="/">: back to the previous page when there is one, else the link.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
