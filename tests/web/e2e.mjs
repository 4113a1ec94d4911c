// The web page in a real browser: starts `sohoa serve` on a free port with a fresh
// data folder, then drives Debian's chromium (playwright-core) through one path
// per role — admin, counter, official, records officer, citizen — asserting what
// the page shows and saving a screenshot of each step. Exits non-zero on failure.
import { spawn, execFileSync } from "node:child_process";
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
const data = fs.mkdtempSync(path.join(os.tmpdir(), "sohoa-web-"));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sohoa-chromium-"));
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
  const config = path.join(data, "sohoa.json");
  fs.writeFileSync(config, JSON.stringify({ data_dir: data, listen: "127.0.0.1:0", processing: false,
    hot_folders: [path.join(data, "inbox")] }));
  server = spawn(exe, ["serve", "--config", config], { stdio: ["ignore", "ignore", "pipe"] });
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
  await page.click("#tab-batches");
  await page.locator("#batch-rows tr").first().waitFor();
  await page.locator("#batch-rows a").first().click();
  await page.locator("#batch-detail").waitFor({ state: "visible" });
  check((await text(page, "#batch-rows")).includes("quay-1"), "the counter sees the batch and its progress");
  await shot(page, "counter-batches");
  await logout(page);

  // The digitised document lands in the dossier; the dossier goes to review.
  const counter = await apiSession(base, "counter-a");
  const pdf = fs.readFileSync(path.join(here, "sample.pdf"));
  await counter("POST", `/api/dossiers/${code}/documents`, { class: "giay_khai_sinh", summary: "Giấy chứng sinh",
    document_type: "Giấy chứng sinh", page_texts: ["GIẤY CHỨNG SINH Họ và tên mẹ: Nguyễn Thị Hoa, con: Nguyễn Minh Khôi"],
    pdf_base64: pdf.toString("base64") });
  await counter("POST", `/api/dossiers/${code}/status`, { status: "digitised" });
  await counter("POST", `/api/dossiers/${code}/status`, { status: "in-review" });

  // ---- official: what awaits signature, preview, batch-sign ----------------------------
  await login(page, base, "official-a");
  await page.locator("#sign-rows tr", { hasText: code }).waitFor();
  await page.locator("#sign-rows tr", { hasText: code }).getByRole("button").click();
  await page.locator("#view-dossier").waitFor({ state: "visible" });
  check((await text(page, "#dossier-fields")).includes("Chờ ký"), "the official previews the dossier awaiting signature");
  await shot(page, "official-preview");
  await page.click("#tab-sign");
  await page.locator("#sign-rows tr", { hasText: code }).locator("input").check();
  await page.click("#sign-selected");
  await page.locator("#message", { hasText: "Đã cập nhật 1 hồ sơ" }).waitFor();
  await shot(page, "official-signed");
  await logout(page);

  // ---- records: search, view, download, share, audit trail ------------------------------
  await login(page, base, "records-a");
  await page.fill("#search-form input[name=q]", "nguyen minh khoi");  // without accents
  await page.click("#search-form button[type=submit]");
  await page.locator("#search-rows a.open-dossier").first().waitFor();
  check((await text(page, "#search-rows")).includes("Khôi"), "accent-insensitive search finds the page");
  await shot(page, "records-search");
  await page.locator("#search-rows a.open-dossier").first().click();
  await page.locator("#document-rows a.download").waitFor();
  check((await text(page, "#dossier-fields")).includes("Đã ký"), "the dossier shows as signed");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#document-rows a.download")]);
  const saved = path.join(artifacts, "downloaded.pdf");
  await download.saveAs(saved);
  check(fs.readFileSync(saved).equals(pdf), "the downloaded PDF is the filed one, byte for byte");
  await shot(page, "records-dossier");
  await page.click("#tab-share");
  await page.fill("#grant-form input[name=grantee_agency]", AGENCY_B);
  await page.fill("#grant-form input[name=value]", code);
  await page.click("#grant-form button[type=submit]");
  await page.locator("#grant-rows td", { hasText: AGENCY_B }).waitFor();
  await shot(page, "records-share");
  await page.click("#tab-audit");
  await page.locator("#audit-rows td", { hasText: "read-file" }).first().waitFor();
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
