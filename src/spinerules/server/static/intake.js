// The intake page works without this script; it only adds conveniences.
document.addEventListener("DOMContentLoaded", () => {
  // "None of these" and the members of a list exclude each other.
  for (const none of document.querySelectorAll("input[data-none]")) {
    const others = [...document.querySelectorAll(`input[type=checkbox][name="${none.name}"]`)]
      .filter((box) => box !== none);
    none.addEventListener("change", () => { if (none.checked) others.forEach((b) => { b.checked = false; }); });
    others.forEach((box) => box.addEventListener("change", () => { if (box.checked) none.checked = false; }));
  }
  // The print button, and every collapsed table opened for printing.
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll("details")) details.open = true;
  });
});
