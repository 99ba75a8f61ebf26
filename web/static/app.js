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

// <button data-print>: the browser's print dialog (reports and booklets print on A4).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});

// <div data-poll="/events/runs/3/progress">: a scheduler run's progress, polled every two
// seconds; the page reloads when the run has finished.
for (const box of document.querySelectorAll("[data-poll]")) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-poll-text]");
  const tick = async () => {
    try {
      const response = await fetch(box.getAttribute("data-poll"), { credentials: "same-origin" });
      if (!response.ok) return;
      const run = await response.json();
      if (bar) bar.value = run.progress;
      if (text) text.textContent = run.text;
      if (!run.live) { window.location.reload(); return; }
    } catch (error) { /* the network comes back: try again */ }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
}

// The staff menu's groups (<details>): one open at a time, closed by a click elsewhere.
document.addEventListener("click", (event) => {
  for (const group of document.querySelectorAll("details.menu-group[open]")) {
    if (!group.contains(event.target)) group.removeAttribute("open");
  }
});

// <button data-copy="#feed-url">: copy that input's text (the agenda's calendar link).
document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand("copy");
  }
  button.textContent = "已复制";
});
