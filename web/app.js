// The sohoa web page: one file of plain JavaScript over the JSON API
// (docs/openapi.yaml). Data is always put into the page with textContent, never
// as HTML. State-changing requests carry the session's CSRF token.
"use strict";

const state = { me: null, csrf: "", dossierCode: "", lastStatus: "", signingKey: null };

const ROLE_TABS = {
  counter: ["receive", "batches", "dashboard"],
  official: ["sign", "search", "dashboard"],
  records: ["search", "share", "audit", "dashboard"],
  admin: ["accounts", "audit", "dashboard"],
};
const NEXT_STATUS = { received: "digitised", digitised: "in-review", "in-review": "signed", signed: "returned" };

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") options.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = (response.headers.get("Content-Type") ?? "").startsWith("application/json")
    ? await response.json() : {};
  if (!response.ok) {
    const error = new Error(data.error ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function say(text, isError) {
  const message = $("message");
  message.textContent = text;
  message.classList.toggle("error", Boolean(isError));
  message.hidden = !text;
}

function cell(row, text) {
  const td = document.createElement("td");
  if (text instanceof Node) td.append(text); else td.textContent = text ?? "";
  row.append(td);
  return td;
}

function fillList(list, pairs) {
  list.replaceChildren();
  for (const [key, value] of pairs) {
    const dt = document.createElement("dt");
    dt.dataset.i18n = key;
    dt.textContent = t(key);
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

function button(key, action) {
  const element = document.createElement("button");
  element.type = "button";
  element.dataset.i18n = key;
  element.textContent = t(key);
  element.addEventListener("click", action);
  return element;
}

// An empty table says so in a row of its own (the message line stays for results).
function markEmpty(rows, columns) {
  if (rows.children.length) return;
  const row = document.createElement("tr");
  const td = cell(row, t("common.none"));
  td.colSpan = columns;
  td.dataset.i18n = "common.none";
  rows.append(row);
}

function statusText(status) { return t(`status.${status}`); }
function percent(rate) { return rate === null || rate === undefined ? "–" : `${Math.round(rate * 1000) / 10}%`; }

function show(view) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll("#tabs button")) tab.classList.toggle("active", tab.dataset.view === view);
  const loaders = { batches: loadBatches, sign: loadAwaitingSignature, share: loadGrants, audit: loadAudit,
    accounts: loadAccounts, dashboard: loadDashboard };
  if (loaders[view]) loaders[view]().catch((error) => say(error.message, true));
}

function enterAs(me) {
  state.me = me;
  state.csrf = me.csrf_token;
  $("who").textContent = `${me.display_name || me.login} · ${t(`role.${me.role}`)} · ${me.agency}`;
  $("logout").hidden = false;
  const tabs = $("tabs");
  tabs.replaceChildren();
  for (const view of ROLE_TABS[me.role]) {
    const tab = button(`tab.${view}`, () => { say(""); show(view); });
    tab.dataset.view = view;
    tab.id = `tab-${view}`;
    tabs.append(tab);
  }
  tabs.hidden = false;
  show(ROLE_TABS[me.role][0]);
}

// ---- login, logout, citizen lookup ---------------------------------------------

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    enterAs(await api("POST", "/api/login", { login: form.elements.login.value, password: form.elements.password.value }));
    form.reset();
    say("");
  } catch (error) { say(error.message, true); }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/logout"); } catch (error) { /* the session is gone either way */ }
  location.reload();
});

$("public-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = event.target.elements.code.value.trim();
  const parameter = text.includes("|") ? `qr=${encodeURIComponent(text)}` : `code=${encodeURIComponent(text)}`;
  const result = $("public-result");
  try {
    const found = await api("GET", `/api/public/status?${parameter}`);
    fillList(result, [["field.code", found.code], ["field.status", statusText(found.status)],
      ["field.procedure", found.procedure_code], ["field.received_on", found.received_on], ["field.due_on", found.due_on]]);
    result.dataset.status = found.status;
    result.hidden = false;
    say("");
  } catch (error) {
    result.hidden = true;
    say(error.status === 404 ? t("public.not_found") : error.message, true);
  }
});

// ---- counter: reception, receipt, batches ------------------------------------------

// The counter opens one of its dossiers by code (to check and correct what was filed).
$("open-dossier-form").addEventListener("submit", (event) => {
  event.preventDefault();
  openDossier(new FormData(event.target).get("code").trim());
});

$("receive-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const receipt = await api("POST", "/api/dossiers", {
      procedure_code: form.elements.procedure_code.value, title: form.elements.title.value,
      applicant_name: form.elements.applicant_name.value, personal_id: form.elements.personal_id.value,
      processing_working_days: Number(form.elements.processing_working_days.value),
    });
    const d = receipt.dossier;
    fillList($("receipt-fields"), [["field.code", d.code], ["field.title", d.title], ["field.applicant", d.applicant_name],
      ["field.procedure", d.procedure_code], ["field.received_on", d.received_on], ["field.due_on", d.due_on]]);
    $("receipt-qr").textContent = receipt.qr_payload;
    $("receipt").hidden = false;
    say("");
  } catch (error) { say(error.message, true); }
});
$("print-receipt").addEventListener("click", () => window.print());

// A batch's origin: "folder:<path>" (hot folder), "scanner:<device>" or "upload".
function originKind(origin) { return (origin ?? "").split(":")[0]; }

function originText(origin) {
  const kind = originKind(origin);
  const detail = origin.slice(kind.length + 1);
  const name = ["folder", "scanner", "upload"].includes(kind) ? t(`origin.${kind}`) : kind;
  return detail ? `${name} (${detail})` : name;
}

async function loadScanners() {
  const { profiles, hot_folders: folders } = await api("GET", "/api/scanner-profiles");
  const select = $("scan-profile");
  select.replaceChildren();
  for (const profile of profiles) {
    const option = document.createElement("option");
    option.value = profile.name;
    option.textContent = `${profile.name} · ${profile.source} · ${profile.resolution} dpi · ${profile.mode}`;
    select.append(option);
  }
  $("scan-start").disabled = !profiles.length;
  if (!profiles.length) {
    const option = document.createElement("option");
    option.textContent = t("scan.none");
    select.append(option);
  }
  $("hot-folders").textContent = folders.join(", ");
}

async function loadBatches() {
  await loadScanners();
  const { batches } = await api("GET", "/api/batches");
  const wanted = $("batch-filter").value;
  const rows = $("batch-rows");
  rows.replaceChildren();
  for (const batch of batches) {
    if (wanted && originKind(batch.origin) !== wanted) continue;
    const row = document.createElement("tr");
    row.dataset.origin = originKind(batch.origin);
    const open = document.createElement("a");
    open.href = "#";
    open.textContent = batch.id;
    open.addEventListener("click", (event) => { event.preventDefault(); loadBatch(batch.id).catch((error) => say(error.message, true)); });
    cell(row, open);
    cell(row, originText(batch.origin));
    cell(row, batch.stage);
    cell(row, `${batch.pages_filed} / ${batch.pages_total}`);
    rows.append(row);
  }
  markEmpty(rows, 4);
}

async function loadBatch(id) {
  const batch = await api("GET", `/api/batches/${encodeURIComponent(id)}`);
  const review = batch.review?.review ?? [];
  const problems = Array.isArray(batch.problems) ? batch.problems : [];
  $("batch-id").textContent = id;
  fillList($("batch-fields"), [["batches.origin", originText(batch.origin)], ["batches.stage", batch.stage],
    ["batches.pages", `${batch.pages_done ?? 0} / ${batch.pages_total ?? 0}`],
    ["batches.eta", batch.eta_seconds === null || batch.eta_seconds === undefined ? "–" : String(Math.round(batch.eta_seconds))],
    ["batches.dossiers", String((batch.dossiers ?? []).length)]]);
  const reviewRows = $("review-rows");
  reviewRows.replaceChildren();
  for (const item of review) {
    const row = document.createElement("tr");
    for (const value of [item.stack_position ?? "–", item.source ?? "", item.group, item.code, item.message]) cell(row, String(value));
    reviewRows.append(row);
  }
  markEmpty(reviewRows, 5);
  const problemRows = $("problem-rows");
  problemRows.replaceChildren();
  for (const problem of problems) {
    const row = document.createElement("tr");
    for (const value of [problem.file, problem.page === undefined ? "–" : problem.page + 1, problem.error]) cell(row, String(value));
    problemRows.append(row);
  }
  markEmpty(problemRows, 3);
  $("batch-detail").hidden = false;
}

// The scanner API answers a fault (paper jam, cover open…) with 409 and a message in both languages.
$("scan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("scan-profile").value;
  const result = $("scan-result");
  $("scan-start").disabled = true;
  say(t("scan.working"));
  try {
    const response = await fetch(`/api/scanners/${encodeURIComponent(name)}/scan`,
      { method: "POST", headers: { "X-CSRF-Token": state.csrf }, credentials: "same-origin" });
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      result.textContent = t("scan.done", { n: data.pages, b: data.batch });
      result.className = "good";
      say("");
    } else {
      const fault = data.fault;
      result.textContent = fault ? (sohoaLanguage === "en" ? fault.message_en : fault.message_vi) : (data.error ?? `HTTP ${response.status}`);
      result.className = "bad";
      say("");
    }
    result.hidden = false;
    await loadBatches();
  } catch (error) { say(error.message, true); } finally { $("scan-start").disabled = false; }
});
$("batch-filter").addEventListener("change", () => loadBatches().catch((error) => say(error.message, true)));
$("refresh-batches").addEventListener("click", () => loadBatches().catch((error) => say(error.message, true)));

// ---- official: awaiting signature, preview, batch signing -------------------------------

function pdfUrl(code, documentId, inline) {
  return `/api/dossiers/${encodeURIComponent(code)}/documents/${documentId}/pdf${inline ? "?inline=1" : ""}`;
}

// The PDF in a frame of this page (the API lets only this origin frame it).
function preview(containerId, code, documentId, name) {
  const container = $(containerId);
  container.querySelector(".preview-name").textContent = name;
  container.querySelector(".preview-frame").src = pdfUrl(code, documentId, true);
  container.hidden = false;
}

async function loadAwaitingSignature() {
  const [key, { hits }] = await Promise.all([api("GET", "/api/sign"), api("GET", "/api/search?status=in-review&limit=200")]);
  state.signingKey = key;
  const keyNote = $("sign-key");
  keyNote.textContent = key.configured ? `${t("sign.key_ready")} (PAdES ${key.level})` : t("sign.no_key");
  keyNote.className = key.configured ? "note" : "bad";
  $("sign-selected").disabled = !key.configured;
  const byDossier = new Map();
  for (const hit of hits) {
    if (!byDossier.has(hit.dossier_code)) byDossier.set(hit.dossier_code, new Map());
    byDossier.get(hit.dossier_code).set(hit.document_id, hit.document_code);
  }
  const rows = $("sign-rows");
  rows.replaceChildren();
  for (const [code, documents] of byDossier) {
    const row = document.createElement("tr");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = code;
    box.className = "sign-choice";
    cell(row, box);
    cell(row, code);
    const links = document.createElement("span");
    for (const [id, documentCode] of documents) {
      const link = document.createElement("button");
      link.type = "button";
      link.className = "link preview-document";
      link.textContent = documentCode;
      link.addEventListener("click", () => preview("sign-preview", code, id, documentCode));
      links.append(link);
    }
    cell(row, links);
    cell(row, button("common.open", () => openDossier(code)));
    rows.append(row);
  }
  markEmpty(rows, 4);
}

$("sign-selected").addEventListener("click", async () => {
  const chosen = [...document.querySelectorAll(".sign-choice:checked")].map((box) => box.value);
  if (!chosen.length) { say(t("sign.choose"), true); return; }
  const submit = $("sign-selected");
  submit.disabled = true;
  say(t("sign.working"));
  try {
    const { signed, results } = await api("POST", "/api/sign", { dossiers: chosen });
    const list = $("sign-results");
    list.replaceChildren();
    for (const result of results) {
      const item = document.createElement("li");
      item.className = result.ok ? "good" : "bad";
      item.dataset.code = result.code;
      item.textContent = result.ok
        ? `${result.code}: ${t("sign.ok")} (${result.documents.map((d) => `${d.code} v${d.version}`).join(", ")})`
        : `${result.code}: ${result.error}`;
      list.append(item);
    }
    list.hidden = false;
    say(t("sign.done", { n: signed, m: results.length }), signed < results.length);
    await loadAwaitingSignature();
  } catch (error) {
    say(error.status === 503 ? `${t("sign.no_key")} ${error.message}` : error.message, true);
  } finally {
    submit.disabled = !state.signingKey?.configured;
  }
});

// ---- records: search, dossier, sharing, audit -----------------------------------------

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const query = new URLSearchParams();
  for (const name of ["q", "personal_id", "status"]) if (form.elements[name].value) query.set(name, form.elements[name].value);
  try {
    const { hits } = await api("GET", `/api/search?${query}`);
    const rows = $("search-rows");
    rows.replaceChildren();
    for (const hit of hits) {
      const row = document.createElement("tr");
      const open = document.createElement("a");
      open.href = "#";
      open.textContent = hit.dossier_code;
      open.className = "open-dossier";
      open.addEventListener("click", (e) => { e.preventDefault(); openDossier(hit.dossier_code); });
      cell(row, open);
      cell(row, hit.document_code);
      cell(row, String(hit.page));
      // Matches come back in [brackets]; show them highlighted without using HTML.
      const snippet = document.createElement("span");
      for (const [index, part] of hit.snippet.split(/\[|\]/).entries()) {
        if (index % 2) { const mark = document.createElement("mark"); mark.textContent = part; snippet.append(mark); }
        else snippet.append(part);
      }
      cell(row, snippet);
      rows.append(row);
    }
    say(t("search.count", { n: hits.length }));
  } catch (error) { say(error.message, true); }
});

async function openDossier(code) {
  try {
    const { dossier, documents } = await api("GET", `/api/dossiers/${encodeURIComponent(code)}`);
    state.dossierCode = code;
    state.lastStatus = dossier.status;
    $("dossier-code").textContent = code;
    fillList($("dossier-fields"), [["field.title", dossier.title], ["field.applicant", dossier.applicant_name],
      ["field.personal_id", dossier.personal_id], ["field.procedure", dossier.procedure_code],
      ["field.agency", dossier.agency], ["field.status", statusText(dossier.status)],
      ["field.received_on", dossier.received_on], ["field.due_on", dossier.due_on]]);
    $("advance").hidden = !(state.me.role === "counter" || state.me.role === "official") || !NEXT_STATUS[dossier.status];
    const rows = $("document-rows");
    rows.replaceChildren();
    for (const document_ of documents) {
      const row = document.createElement("tr");
      cell(row, `${document_.code} — ${document_.summary}`);
      cell(row, document_.class);
      cell(row, String(document_.page_count));
      const version = cell(row, `v${document_.version}`);
      version.className = "version";
      if (document_.version_reason === "signed") version.append(` · ${t("dossier.signed_version")}`);
      const link = document.createElement("a");
      link.href = pdfUrl(code, document_.id, false);
      link.dataset.i18n = "common.download";
      link.textContent = t("common.download");
      link.className = "download";
      link.setAttribute("download", `${document_.code}.pdf`);
      const actions = cell(row, link);
      const look = button("preview.title", () => preview("dossier-preview", code, document_.id, document_.code));
      look.classList.add("link", "preview-document");
      actions.prepend(look);
      if (document_.corrections?.length) row.cells[1].append(` · ${t("correct.corrected")}`);
      if (state.me.role === "counter" || state.me.role === "records") {
        const fix = button("correct.open", () => openCorrection(code, document_, documents));
        fix.classList.add("link", "correct-document");
        actions.append(" ", fix);
      }
      rows.append(row);
    }
    $("correction").hidden = true;
    showPages(code, documents);
    $("dossier-preview").hidden = true;
    showExportLink(code);
    show("dossier");
  } catch (error) { say(error.message, true); }
}

// Records officers: the dossier as an exchange package (docs/exchange.md).
function showExportLink(code) {
  $("export-package")?.remove();
  if (state.me.role !== "records") return;
  const link = document.createElement("a");
  link.id = "export-package";
  link.className = "download";
  link.href = `/api/dossiers/${encodeURIComponent(code)}/export`;
  link.setAttribute("download", `${code}.zip`);
  link.textContent = "Gói trao đổi / exchange package (.zip)";
  $("dossier-fields").after(link);
}

// Counter staff and records officers correct a document's class and TT 05/2025
// fields; the machine's values are shown beside them and kept by the registry.
const CORRECTABLE = [["class", "field.class"], ["number_symbol", "meta.number_symbol"],
  ["issued_on", "meta.issued_on"], ["document_type", "meta.document_type"],
  ["issuing_agency", "meta.issuing_agency"], ["summary", "meta.summary"], ["signer", "meta.signer"],
  ["notes", "meta.notes"]];

function openCorrection(code, document_, documents) {
  const form = $("correction");
  form.dataset.dossier = code;
  form.dataset.document = String(document_.id);
  $("correction-document").textContent = document_.code;
  const classes = $("correction-classes");
  classes.replaceChildren();
  for (const name of new Set(documents.flatMap((d) => [d.class, d.machine_metadata?.class ?? d.class]))) {
    const option = document.createElement("option");
    option.value = name;
    classes.append(option);
  }
  const rows = $("correction-rows");
  rows.replaceChildren();
  const current = document_.metadata ?? { class: document_.class };
  const machine = document_.machine_metadata ?? current;
  for (const [name, key] of CORRECTABLE) {
    const row = document.createElement("tr");
    const label = cell(row, t(key));
    label.dataset.i18n = key;
    cell(row, machine[name] ?? "").className = "machine-value";
    const input = document.createElement(name === "summary" || name === "notes" ? "textarea" : "input");
    input.name = name;
    input.value = current[name] ?? "";
    input.dataset.current = input.value;
    if (name === "class") {
      input.setAttribute("list", "correction-classes");
      input.pattern = "[a-z0-9_]{1,40}";
      input.required = true;
    }
    if (name === "issued_on") input.pattern = "\\d{4}-\\d{2}-\\d{2}";
    input.setAttribute("aria-label", t(key));
    cell(row, input);
    rows.append(row);
  }
  $("correction-reason").value = "";
  const history = $("correction-history");
  history.replaceChildren();
  for (const correction of document_.corrections ?? []) {
    const item = document.createElement("li");
    item.textContent = `${new Date(correction.at_ms).toLocaleString()} · ${correction.corrected_by} · ` +
      `${correction.field}: "${correction.old_value}" → "${correction.new_value}" (${correction.reason})`;
    history.append(item);
  }
  if (!history.children.length) history.textContent = t("common.none");
  form.hidden = false;
  form.scrollIntoView({ block: "nearest" });
}

$("correction").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("correction");
  const body = { fields: {}, reason: $("correction-reason").value.trim() };
  for (const input of form.querySelectorAll("#correction-rows [name]")) {
    if (input.value === input.dataset.current) continue;
    if (input.name === "class") body.class = input.value.trim(); else body.fields[input.name] = input.value;
  }
  if (body.class === undefined && !Object.keys(body.fields).length) { say(t("correct.nothing"), true); return; }
  try {
    const corrected = await api("POST", `/api/dossiers/${encodeURIComponent(form.dataset.dossier)}/documents/` +
      `${form.dataset.document}/correction`, body);
    await openDossier(form.dataset.dossier);
    say(t("correct.done", { c: corrected.code }));
  } catch (error) { say(error.message, true); }
});

$("correction-cancel").addEventListener("click", () => { $("correction").hidden = true; });

// Each page's thumbnail (rendered by the service from the filed scan) with its document and class.
function showPages(code, documents) {
  const strip = $("page-strip");
  strip.replaceChildren();
  for (const document_ of documents) {
    for (let page = 1; page <= Math.min(document_.page_count, 50); page += 1) {
      const figure = document.createElement("figure");
      figure.className = "page";
      const image = document.createElement("img");
      image.alt = `${document_.code} · ${t("field.page")} ${page}`;
      image.addEventListener("error", () => {
        const missing = document.createElement("p");
        missing.className = "note no-image";
        missing.textContent = t("pages.no_image");
        image.replaceWith(missing);
      });
      image.src = `/api/dossiers/${encodeURIComponent(code)}/documents/${document_.id}/pages/${page}/thumbnail`;
      const caption = document.createElement("figcaption");
      caption.textContent = `${document_.code} · ${t("field.page")} ${page} · ${document_.class}`;
      figure.append(image, caption);
      strip.append(figure);
    }
  }
  if (!strip.children.length) strip.textContent = t("common.none");
}

$("advance").addEventListener("click", async () => {
  const next = NEXT_STATUS[state.lastStatus];
  try {
    await api("POST", `/api/dossiers/${encodeURIComponent(state.dossierCode)}/status`, { status: next });
    await openDossier(state.dossierCode);
    say(t("dossier.advanced", { s: statusText(next) }));
  } catch (error) { say(error.message, true); }
});

async function loadGrants() {
  const { grants } = await api("GET", "/api/grants");
  const rows = $("grant-rows");
  rows.replaceChildren();
  for (const grant of grants) {
    const row = document.createElement("tr");
    for (const value of [grant.id, grant.grantor_agency, grant.grantee_agency, t(`share.scope.${grant.scope}`), grant.value]) cell(row, String(value));
    rows.append(row);
  }
}

$("grant-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const body = { grantee_agency: form.elements.grantee_agency.value, scope: form.elements.scope.value, days: Number(form.elements.days.value) };
    if (form.elements.scope.value !== "all") body.value = form.elements.value.value;
    const grant = await api("POST", "/api/grants", body);
    say(t("share.done", { n: grant.id }));
    await loadGrants();
  } catch (error) { say(error.message, true); }
});

async function loadAudit() {
  const { records } = await api("GET", "/api/audit?limit=500");
  const rows = $("audit-rows");
  rows.replaceChildren();
  for (const record of records.reverse()) {
    const row = document.createElement("tr");
    for (const value of [record.sequence, new Date(record.at_ms).toLocaleString(sohoaLanguage === "en" ? "en-GB" : "vi-VN"),
      record.account, record.action, record.subject, record.outcome]) cell(row, String(value));
    rows.append(row);
  }
}

$("verify-audit").addEventListener("click", async () => {
  try {
    const verdict = await api("GET", "/api/audit/verify");
    const text = $("audit-verdict");
    text.textContent = verdict.intact ? t("audit.intact", { n: verdict.records })
      : t("audit.broken", { n: verdict.first_bad_sequence, p: verdict.problem });
    text.className = verdict.intact ? "good" : "bad";
  } catch (error) { say(error.message, true); }
});

// ---- admin: accounts; everyone: dashboard ---------------------------------------------

async function loadAccounts() {
  const { accounts } = await api("GET", "/api/accounts");
  const rows = $("account-rows");
  rows.replaceChildren();
  for (const account of accounts) {
    const row = document.createElement("tr");
    cell(row, account.login);
    cell(row, account.display_name);
    cell(row, t(`role.${account.role}`));
    rows.append(row);
  }
}

$("account-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    await api("POST", "/api/accounts", { login: form.elements.login.value, display_name: form.elements.display_name.value,
      role: form.elements.role.value, password: form.elements.password.value });
    say(t("accounts.done", { n: form.elements.login.value }));
    form.reset();
    await loadAccounts();
  } catch (error) { say(error.message, true); }
});

async function loadDashboard() {
  const { rows, totals } = await api("GET", "/api/dashboard");
  $("rate-digitisation").textContent = percent(totals.digitisation_rate);
  $("rate-on-time").textContent = percent(totals.on_time_rate);
  $("count-overdue").textContent = String(totals.open_overdue);
  const body = $("dashboard-rows");
  body.replaceChildren();
  for (const figure of rows) {
    const row = document.createElement("tr");
    for (const value of [figure.unit_code, figure.procedure_code, String(figure.received),
      `${percent(figure.digitisation_rate)} (${figure.digitised}/${figure.received})`,
      `${percent(figure.on_time_rate)} (${figure.returned_on_time}/${figure.returned})`]) cell(row, value);
    body.append(row);
  }
}

// ---- start ---------------------------------------------------------------------------

$("lang").addEventListener("click", () => {
  sohoaLanguage = sohoaLanguage === "vi" ? "en" : "vi";
  localStorage.setItem("sohoa.lang", sohoaLanguage);
  sohoaTranslate();
  if (state.me) $("who").textContent = `${state.me.display_name || state.me.login} · ${t(`role.${state.me.role}`)} · ${state.me.agency}`;
});

sohoaTranslate();
api("GET", "/api/me").then(enterAs).catch(() => { /* not logged in: the login view stays */ });
