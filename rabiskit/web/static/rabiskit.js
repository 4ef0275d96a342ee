// rabiskit serve: the few things the page does in the browser.  No framework, no build
// step; loaded from the package (Content-Security-Policy: default-src 'self').
"use strict";

function chosenFiles(form) {
  // one row per chosen export, with "is this file one database?" beside it
  const input = form.querySelector("input[name=exports]");
  const table = form.querySelector("#file-list");
  const choice = form.querySelector("#db-choice");
  if (!input || !table || !choice) return;
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const file of input.files) {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = file.name;   // text, never markup
    const cell = document.createElement("td");
    const select = choice.content.firstElementChild.cloneNode(true);
    for (const option of select.querySelectorAll("option[data-level]")) {
      option.value = option.dataset.level + ":" + file.name;
    }
    cell.append(select);
    row.append(name, cell);
    body.append(row);
  }
  table.hidden = input.files.length === 0;
}

function setUpForm(form) {
  const input = form.querySelector("input[name=exports]");
  const drop = form.querySelector(".drop");
  if (input) input.addEventListener("change", () => chosenFiles(form));
  if (drop && input) {
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        chosenFiles(form);
      }
    });
  }
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    const busy = form.querySelector(".busy");
    if (button) button.disabled = true;
    if (busy) busy.hidden = false;
  });
}

function followJob(box) {
  // poll the job's progress; reload the page when it is done
  const id = box.dataset.job;
  const bar = document.getElementById("job-progress");
  const text = document.getElementById("job-text");
  const mb = (n) => (n / 1048576).toFixed(1);
  const poll = () => {
    fetch("/api/jobs/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then((r) => r.json())
      .then((s) => {
        if (s.state !== "running") { window.location.reload(); return; }
        if (bar) { bar.max = s.total || 1; bar.value = s.done; }
        if (text) {
          const phase = text.dataset["phase" + (s.phase || "").replace(/^./, (c) => c.toUpperCase())] || "";
          text.textContent = (phase ? phase + ": " : "") +
            text.dataset.template.replace("{done}", mb(s.done)).replace("{total}", mb(s.total));
        }
        window.setTimeout(poll, 500);
      })
      .catch(() => window.setTimeout(poll, 2000));
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[enctype='multipart/form-data']")) setUpForm(form);
  const job = document.getElementById("job");
  if (job && job.dataset.state === "running") followJob(job);
});
