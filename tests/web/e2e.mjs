// The web page in a real browser: starts `sohoa serve` on a free port with a fresh
// data folder, then drives Debian's chromium (playwright-core) through one path
// per role — admin, counter, official, records officer, citizen — asserting what
// the page shows and saving a screenshot of each step. Exits non-zero on failure.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(path.join(process.env.SOHOA_WEB_NODE_DIR ?? process.cwd(), "package.json"));
const { chromium } = require("playwright-core");

const here = path.dirname(new URL(import.meta.url).pathname);
const source = path.resolve(here, "../..");
const exe = process.env.SOHOA_EXE ?? path.join(source, "build/dev/app/sohoa");
const shared = process.env.SOHOA_SHARED_DIR ?? path.resolve(source, "../shared");
const artifacts = process.env.SOHOA_WEB_ARTIFACTS ?? path.join(os.tmpdir(), "sohoa-web-artifacts");
const AGENCY_A = "000.00.00.H49";
const AGENCY_B = "000.00.00.H50";
const PASSWORD = "mat-khau-dai-du-10";

fs.mkdirSync(artifacts, { recursive: true });
for (const old of fs.readdirSync(artifacts)) if (old.endsWith(".png")) fs.rmSync(path.join(artifacts, old));
const data = fs.mkdtempSync(path.join(os.tmpdir(), "sohoa-web-"));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sohoa-chromium-"));
const pki = path.join(data, "pki");
let server;
let browser;
let step = 0;

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

async function shot(page, name) {
  step += 1;
  const file = path.join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}

async function startServer() {
  execFileSync(exe, ["account", "add", "--data-dir", data, "--login", "admin-a", "--agency", AGENCY_A,
    "--role", "admin", "--name", "Trần Thị Quản Trị"], { env: { ...process.env, SOHOA_ACCOUNT_PASSWORD: PASSWORD } });
  // The official signs with the test PKI's personal .p12 (the shared checker's script).
  execFileSync("bash", [path.join(shared, "check/test_pki.sh"), pki, "init"],
    { env: { ...process.env, PKI_OCSP_PORT: "9" }, stdio: ["ignore", "ignore", "inherit"] });
  fs.writeFileSync(path.join(data, "signing.pin"), "1234\n");
  const config = path.join(data, "sohoa.json");
  // SANE's frontend tester stands in for the counter scanner (its ADF holds 10 sheets).
  const sane = path.join(data, "sane.d");
  fs.mkdirSync(sane);
  fs.writeFileSync(path.join(sane, "dll.conf"), "test\n");
  fs.writeFileSync(path.join(sane, "test.conf"), "number_of_devices 2\n");
  fs.writeFileSync(config, JSON.stringify({ data_dir: data, listen: "127.0.0.1:0", processing: false,
    hot_folders: [{ path: path.join(data, "inbox"), settle_ms: 300, folder_quiet_ms: 600 }],
    scanners: [{ name: "quay-1", device: "test:1", source: "adf", resolution: 75, options: { "test-picture": "Grid" } }],
    signers: { "official-a": { p12: path.join(pki, "p12/person.p12"), pin_file: path.join(data, "signing.pin") } } }));
  server = spawn(exe, ["serve", "--config", config],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SANE_CONFIG_DIR: sane } });
  const log = fs.createWriteStream(path.join(artifacts, "serve.log"));
  server.stderr.pipe(log);
  const portFile = path.join(data, "http.port");
  for (let i = 0; i < 300 && !fs.existsSync(portFile); i += 1) await new Promise((r) => setTimeout(r, 100));
  check(fs.existsSync(portFile), "sohoa serve is listening");
  return `http://127.0.0.1:${fs.readFileSync(portFile, "utf8").trim()}`;
}

// The API as a script would use it (to put a scanned document in place, which the
// page receives from the batch pipeline rather than from a form).
async function apiSession(base, login) {
  const response = await fetch(`${base}/api/login`, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login, password: PASSWORD }) });
  check(response.status === 200, `API login ${login}`);
  const me = await response.json();
  const cookie = response.headers.get("set-cookie").split(";")[0];
  return async (method, route, body) => {
    const reply = await fetch(`${base}${route}`, { method, headers: { Cookie: cookie, "X-CSRF-Token": me.csrf_token,
      "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await reply.json();
    if (!reply.ok) throw new Error(`${method} ${route}: ${reply.status} ${JSON.stringify(json)}`);
    return json;
  };
}

async function login(page, base, name) {
  await page.goto(base);
  await page.fill("#login-form input[name=login]", name);
  await page.fill("#login-form input[name=password]", PASSWORD);
  await page.click("#login-form button[type=submit]");
  await page.locator("#logout").waitFor({ state: "visible" });
}

async function logout(page) {
  await page.click("#logout");
  await page.locator("#login-form").waitFor({ state: "visible" });
}

async function text(page, selector) {
  return (await page.locator(selector).innerText()).trim();
}

async function main() {
  const base = await startServer();
  // A fresh profile folder (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SOHOA_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: "vi-VN",
  });
  const context = browser;
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  // ---- admin: accounts of the agency, the audit trail ---------------------------------
  await login(page, base, "admin-a");
  check((await text(page, "#who")).includes("Quản trị"), "admin sees their role in Vietnamese");
  for (const [name, role, display] of [["counter-a", "counter", "Lê Văn Quầy"], ["official-a", "official", "Phạm Lãnh Đạo"],
    ["records-a", "records", "Đỗ Văn Thư"]]) {
    await page.fill("#account-form input[name=login]", name);
    await page.fill("#account-form input[name=display_name]", display);
    await page.selectOption("#account-form select[name=role]", role);
    await page.fill("#account-form input[name=password]", PASSWORD);
    await page.click("#account-form button[type=submit]");
    await page.locator("#account-rows td", { hasText: name }).waitFor();
  }
  check((await page.locator("#account-rows tr").count()) === 4, "admin added three accounts");
  await shot(page, "admin-accounts");
  await logout(page);

  // ---- counter: receive a dossier, print the receipt, watch the batches ----------------
  await login(page, base, "counter-a");
  await page.fill("#receive-form input[name=procedure_code]", "1.001193");
  await page.fill("#receive-form input[name=title]", "Đăng ký khai sinh cho Nguyễn Minh Khôi");
  await page.fill("#receive-form input[name=applicant_name]", "Nguyễn Văn An");
  await page.fill("#receive-form input[name=personal_id]", "001085012345");
  await page.click("#receive-form button[type=submit]");
  await page.locator("#receipt").waitFor({ state: "visible" });
  const code = (await page.locator("#receipt-fields dd").first().innerText()).trim();
  check(/^000\.00\.00\.H49-\d{6}-\d{4}$/.test(code), `the receipt shows the dossier code ${code}`);
  check((await text(page, "#receipt-qr")).startsWith(`${code}|1.001193|`), "the receipt carries the QR payload");
  await shot(page, "counter-receipt");
  // A scanner batch arrives over the upload API (the pipeline is off in this test).
  const image = path.join(shared, "corpus/public/batches/b01/0001.jpg");
  if (fs.existsSync(image)) {
    const upload = await fetch(`${base}/api/batches?name=0001.jpg&label=quay-1`, { method: "POST", body: fs.readFileSync(image) });
    check(upload.status === 201, "a scan batch is uploaded");
  }
  // A scanned stack dropped into the hot folder by a network scanner.
  fs.mkdirSync(path.join(data, "inbox"), { recursive: true });
  if (fs.existsSync(image)) fs.copyFileSync(image, path.join(data, "inbox", "0001.jpg"));
  await page.click("#tab-batches");
  await page.locator("#scan-profile option", { hasText: "quay-1" }).waitFor({ state: "attached" });
  check((await text(page, "#hot-folders")).includes("inbox"), "the counter sees the hot folder");
  await page.click("#scan-start");
  await page.locator("#scan-result.good").waitFor();
  check((await text(page, "#scan-result")).includes("10"), "the counter starts a scan from the page: 10 pages");
  await shot(page, "counter-scan");
  await page.selectOption("#batch-filter", "scanner");
  await page.locator("#batch-rows tr:not([data-origin=scanner])").first().waitFor({ state: "detached" });
  check((await page.locator("#batch-rows tr[data-origin=scanner]").count()) >= 1, "the scanner filter shows scanner batches only");
  await page.locator("#batch-rows a").first().click();
  await page.locator("#batch-detail").waitFor({ state: "visible" });
  check((await text(page, "#batch-fields")).includes("10"), "the batch shows its progress");
  await shot(page, "counter-batch-detail");
  if (fs.existsSync(image)) {
    await page.selectOption("#batch-filter", "folder");
    for (let i = 0; i < 150 && (await page.locator("#batch-rows tr[data-origin=folder]").count()) === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      await page.click("#refresh-batches");
    }
    check((await page.locator("#batch-rows tr[data-origin=folder]").count()) === 1, "the hot-folder batch is listed");
  }
  await page.selectOption("#batch-filter", "");
  await page.locator("#batch-rows tr", { hasText: "quay-1" }).first().waitFor();
  check((await text(page, "#batch-rows")).includes("quay-1"), "the counter sees the uploaded batch and its progress");
  await shot(page, "counter-batches");
  await logout(page);

  // The digitised document lands in the dossier; the dossier goes to review.
  const counter = await apiSession(base, "counter-a");
  const pdf = fs.readFileSync(path.join(here, "sample.pdf"));
  await counter("POST", `/api/dossiers/${code}/documents`, { class: "giay_khai_sinh", summary: "Giấy chứng sinh",
    document_type: "Giấy chứng sinh", page_texts: ["GIẤY CHỨNG SINH Họ và tên mẹ: Nguyễn Thị Hoa, con: Nguyễn Minh Khôi"],
    pdf_base64: pdf.toString("base64") });
  // A two-page scan (a JPEG page and a G4 page): the page strip shows its thumbnails.
  await counter("POST", `/api/dossiers/${code}/documents`, { class: "can_cuoc", summary: "Căn cước",
    page_texts: ["CĂN CƯỚC mặt trước", "CĂN CƯỚC mặt sau"],
    pdf_base64: fs.readFileSync(path.join(source, "fuzz/corpus/fuzz_scan_pdf/tiny-jpeg-g4.pdf")).toString("base64") });
  await counter("POST", `/api/dossiers/${code}/status`, { status: "digitised" });
  await counter("POST", `/api/dossiers/${code}/status`, { status: "in-review" });

  // The counter checks what was filed and corrects the first document's class and
  // number; the machine's values stay visible beside the corrected ones.
  await login(page, base, "counter-a");
  await page.fill("#open-dossier-form input[name=code]", code);
  await page.click("#open-dossier-form button[type=submit]");
  await page.locator("#view-dossier").waitFor({ state: "visible" });
  await page.locator("#document-rows button.correct-document").first().click();
  await page.locator("#correction").waitFor({ state: "visible" });
  await page.fill("#correction-rows [name=class]", "giay_chung_sinh");
  await page.fill("#correction-rows [name=number_symbol]", "123/GCS");
  await page.fill("#correction-reason", "Giấy chứng sinh, không phải giấy khai sinh");
  await page.click("#correction-submit");
  await page.locator("#message", { hasText: "Đã lưu hiệu chỉnh" }).waitFor();
  const firstRow = await text(page, "#document-rows tr:first-child");
  check(firstRow.includes("giay_chung_sinh") && firstRow.includes("đã hiệu chỉnh"), "the counter corrects a document's class");
  await page.locator("#document-rows button.correct-document").first().click();
  check((await text(page, "#correction-rows tr:first-child .machine-value")) === "giay_khai_sinh" &&
    (await page.inputValue("#correction-rows [name=class]")) === "giay_chung_sinh" &&
    (await text(page, "#correction-history")).includes("123/GCS"),
  "the machine's class stays beside the corrected one, with the history");
  await shot(page, "counter-correction");
  await logout(page);

  // ---- official: what awaits signature, preview, batch-sign ----------------------------
  await login(page, base, "official-a");
  const awaiting = page.locator("#sign-rows tr", { hasText: code });
  await awaiting.waitFor();
  check((await text(page, "#sign-key")).includes("sẵn sàng"), "the page says the signing key is ready");
  const [previewed] = await Promise.all([
    page.waitForResponse((response) => response.url().includes("/pdf?inline=1")),
    awaiting.locator("button.preview-document").first().click(),
  ]);
  check(previewed.status() === 200 && previewed.headers()["content-type"] === "application/pdf",
    "the official previews the PDF inside the page");
  check(previewed.headers()["x-frame-options"] === "SAMEORIGIN", "only this page may frame the preview");
  await page.locator("#sign-preview").waitFor({ state: "visible" });
  await shot(page, "official-preview");
  await awaiting.locator("button", { hasText: "Mở" }).click();
  await page.locator("#view-dossier").waitFor({ state: "visible" });
  check((await text(page, "#dossier-fields")).includes("Chờ ký"), "the official opens the dossier awaiting signature");
  await page.locator("#page-strip .no-image").first().waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll("#page-strip img")].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
  check((await page.locator("#page-strip figcaption", { hasText: "can_cuoc" }).count()) === 2, "the scanned pages show as thumbnails with their class");
  check((await page.locator("#page-strip .no-image").count()) === 1, "a page without a scanned image says so");
  await shot(page, "official-pages");
  await page.click("#tab-sign");
  await awaiting.locator("input").check();
  await page.click("#sign-selected");
  await page.locator("#message", { hasText: "Đã ký 1/1 hồ sơ" }).waitFor();
  check((await text(page, "#sign-results li.good")).includes(`${code}.01 v2, ${code}.02 v2`), "each signed file is version 2 of its document");
  await shot(page, "official-signed");
  await page.click("#tab-search");
  await page.fill("#search-form input[name=personal_id]", "001085012345");
  await page.click("#search-form button[type=submit]");
  await page.locator("#search-rows a.open-dossier").first().click();
  await page.locator("#document-rows td.version").first().waitFor();
  const versions = await page.locator("#document-rows td.version").allInnerTexts();
  check(versions.length === 2 && versions.every((v) => v.includes("v2 · đã ký số")), "the dossier shows the signed versions");
  check((await text(page, "#dossier-fields")).includes("Đã ký"), "the dossier is signed");
  await shot(page, "official-dossier-signed");
  await logout(page);

  // ---- records: search, view, download, share, audit trail ------------------------------
  await login(page, base, "records-a");
  await page.fill("#search-form input[name=q]", "nguyen minh khoi");  // without accents
  await page.click("#search-form button[type=submit]");
  await page.locator("#search-rows a.open-dossier").first().waitFor();
  check((await text(page, "#search-rows")).includes("Khôi"), "accent-insensitive search finds the page");
  await shot(page, "records-search");
  await page.locator("#search-rows a.open-dossier").first().click();
  await page.locator("#document-rows a.download").first().waitFor();
  check((await text(page, "#dossier-fields")).includes("Đã ký"), "the dossier shows as signed");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#document-rows a.download")]);
  const saved = path.join(artifacts, "downloaded.pdf");
  await download.saveAs(saved);
  const downloaded = fs.readFileSync(saved);
  check(downloaded.length > pdf.length && downloaded.subarray(0, pdf.length).equals(pdf),
    "the downloaded PDF is the filed one with the signature appended (incremental update)");
  const verdict = spawnSync(exe, ["verify", saved, "--trust", path.join(pki, "ca-bundle.pem"), "--offline"], { encoding: "utf8" });
  check(verdict.status === 0, `sohoa verify finds the official's signature valid (${verdict.stdout.split("\n").slice(-2).join(" ")})`);
  await shot(page, "records-dossier");
  await page.click("#tab-share");
  await page.fill("#grant-form input[name=grantee_agency]", AGENCY_B);
  await page.fill("#grant-form input[name=value]", code);
  await page.click("#grant-form button[type=submit]");
  await page.locator("#grant-rows td", { hasText: AGENCY_B }).waitFor();
  await shot(page, "records-share");
  await page.click("#tab-audit");
  await page.locator("#audit-rows td", { hasText: "read-file" }).first().waitFor();
  check((await text(page, "#audit-rows")).includes("add-version"), "signing is in the audit trail");
  await page.click("#verify-audit");
  await page.locator("#audit-verdict.good").waitFor();
  await shot(page, "records-audit");
  await page.click("#tab-dashboard");
  await page.locator("#dashboard-rows td", { hasText: "1.001193" }).waitFor();
  check((await text(page, "#rate-digitisation")) === "100%", "the dashboard shows the digitisation rate");
  await shot(page, "records-dashboard");
  await logout(page);

  // ---- citizen: status by code and by the receipt's QR text, in both languages ----------
  await context.clearCookies();  // a citizen at home: no session at all
  const citizen = await context.newPage();
  citizen.on("pageerror", (error) => pageErrors.push(error.message));
  await citizen.goto(base);
  await citizen.fill("#public-form input[name=code]", code);
  await citizen.click("#public-form button[type=submit]");
  await citizen.locator("#public-result").waitFor({ state: "visible" });
  check((await text(citizen, "#public-result")).includes("Đã ký"), "the citizen sees the status");
  check(!(await text(citizen, "#public-result")).includes("Nguyễn"), "no personal data in the public answer");
  await shot(citizen, "citizen-status-vi");
  await citizen.click("#lang");
  await citizen.fill("#public-form input[name=code]", `${code}|1.001193|001085012345|x|y`);
  await citizen.click("#public-form button[type=submit]");
  await citizen.locator("#public-result", { hasText: "Signed" }).waitFor();
  check((await text(citizen, "h1")) === "One-stop desk dossier digitisation", "the English switch works");
  await shot(citizen, "citizen-status-en");

  check(pageErrors.length === 0, `no script errors in the page (${pageErrors.join("; ")})`);
}

let failed = false;
try {
  await main();
  console.log("web e2e: all paths passed");
} catch (error) {
  failed = true;
  console.error(`web e2e FAILED: ${error.stack ?? error}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.kill("SIGTERM");
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
